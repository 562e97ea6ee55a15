// grpcPackageOptions with NestJS's own gRPC transport (server and ClientGrpc) and the generated controller
// decorator and interfaces: the way every NeuroForge service wires its contract.
import 'reflect-metadata';
import { createServer } from 'node:net';
import { Controller, type INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type ClientGrpc, ClientProxyFactory, type MicroserviceOptions, Transport } from '@nestjs/microservices';
import { from, lastValueFrom, type Observable, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as inference from './generated/neuroforge/inference/v1/inference';
import { grpcPackageOptions } from './grpc-options';

const SERVED: inference.ServedModel = { name: 'tiny-retnet', version: 1, alias: '', executionProvider: 'cpu' };

@Controller()
@inference.InferenceServiceControllerMethods()
class StubInferenceController implements inference.InferenceServiceController {
  generate(request: inference.GenerateRequest): inference.GenerateResponse {
    return {
      requestId: request.requestId,
      // Echo what arrived so the test sees the server-side shape.
      text: JSON.stringify({ prompt: request.prompt, seed: request.parameters?.seed, inputs: request.inputs.length }),
      tokenIds: [1, 2],
      finishReason: inference.FinishReason.FINISH_REASON_STOP_SEQUENCE,
      promptTokens: 5,
      timings: null,
      model: SERVED,
    };
  }

  generateStream(request: inference.GenerateStreamRequest): Observable<inference.GenerateStreamResponse> {
    return from([
      { prompt: { requestId: request.requestId, promptTokens: 1, prefixCacheHit: false, queueTimeMs: 0, model: null } },
      { token: { text: 'ok', tokenIds: [7] } },
      { end: { finishReason: inference.FinishReason.FINISH_REASON_EOS_TOKEN, timings: null } },
    ]);
  }

  info(): inference.InfoResponse {
    return { models: [], serverVersion: 'test', availableProviders: ['cpu'] };
  }

  modelHealth(): inference.ModelHealthResponse {
    return { model: SERVED, status: inference.ModelStatus.MODEL_STATUS_SERVING, probeLatencyMs: 0.5, detail: '' };
  }
}

@Module({ controllers: [StubInferenceController] })
class StubInferenceModule {}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

let app: INestMicroservice;
let client: inference.InferenceServiceClient;
let clientProxy: ClientGrpc & { close(): unknown };

beforeAll(async () => {
  const url = `127.0.0.1:${await freePort()}`;
  app = await NestFactory.createMicroservice<MicroserviceOptions>(StubInferenceModule, {
    transport: Transport.GRPC,
    options: { ...grpcPackageOptions('inference'), url },
    logger: false,
  });
  await app.listen();
  clientProxy = ClientProxyFactory.create({
    transport: Transport.GRPC,
    options: { ...grpcPackageOptions('inference'), url },
  }) as unknown as ClientGrpc & { close(): unknown };
  client = clientProxy.getService<inference.InferenceServiceClient>(inference.INFERENCE_SERVICE_NAME);
});

afterAll(async () => {
  await clientProxy?.close();
  await app?.close();
});

describe('NestJS gRPC transport with grpcPackageOptions', () => {
  it('routes a unary call through the generated controller decorator, with typed shapes both ways', async () => {
    const response = await lastValueFrom(
      client.generate({
        requestId: 'nest-1',
        model: 'tiny-retnet',
        prompt: 'hi',
        inputs: [{ text: 'a' }],
        parameters: { maxNewTokens: 1, topK: 0, stop: [], seed: '42' },
      }),
    );
    expect(response).toStrictEqual({
      requestId: 'nest-1',
      text: JSON.stringify({ prompt: 'hi', seed: '42', inputs: 1 }),
      tokenIds: [1, 2],
      finishReason: 'FINISH_REASON_STOP_SEQUENCE',
      promptTokens: 5,
      timings: null,
      model: SERVED,
    });
  });

  it('streams a server-streaming RPC returned as an Observable', async () => {
    const messages = await lastValueFrom(
      client.generateStream({ requestId: 'nest-2', model: 'm', prompt: 'p', inputs: [] }).pipe(toArray()),
    );
    expect(messages.map((message) => Object.keys(message))).toEqual([['prompt'], ['token'], ['end']]);
    expect(messages[2]?.end?.finishReason).toBe(inference.FinishReason.FINISH_REASON_EOS_TOKEN);
  });

  it('answers the other unary RPCs with enums by name', async () => {
    const health = await lastValueFrom(client.modelHealth({ model: 'tiny-retnet' }));
    expect(health.status).toBe('MODEL_STATUS_SERVING');
    expect(await lastValueFrom(client.info({}))).toStrictEqual({
      models: [],
      serverVersion: 'test',
      availableProviders: ['cpu'],
    });
  });
});
