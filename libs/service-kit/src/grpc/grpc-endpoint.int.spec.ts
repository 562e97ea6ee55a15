import {
  credentials,
  loadPackageDefinition,
  Server,
  ServerCredentials,
  type ServiceClientConstructor,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { afterEach, describe, expect, it } from 'vitest';
import { grpcHealthStatus, reflectionServices } from '../testing/grpc-probes';
import { GrpcEndpoint } from './grpc-server';

/** A grpc-js server with the endpoint's hook applied, as Nest's transport does it. */
async function serve(endpoint: GrpcEndpoint): Promise<{ server: Server; address: string }> {
  const server = new Server();
  const options = endpoint.options('127.0.0.1:0').options;
  options.onLoadPackageDefinition?.(options.packageDefinition, server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { server, address: `127.0.0.1:${port}` };
}

describe('GrpcEndpoint on a real grpc-js server', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.forceShutdown();
  });

  it('reports NOT_SERVING until readiness says SERVING, and back', async () => {
    const endpoint = new GrpcEndpoint(undefined);
    const { server, address } = await serve(endpoint);
    servers.push(server);
    expect(await grpcHealthStatus(address)).toBe('NOT_SERVING');
    endpoint.setServing(true);
    expect(await grpcHealthStatus(address)).toBe('SERVING');
    endpoint.setServing(false);
    expect(await grpcHealthStatus(address)).toBe('NOT_SERVING');
  });

  it('lists health and reflection through reflection when it has no contract of its own', async () => {
    const { server, address } = await serve(new GrpcEndpoint(undefined));
    servers.push(server);
    expect((await reflectionServices(address)).sort()).toEqual([
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
    ]);
  });

  it('drains at once when no call is in flight', async () => {
    const endpoint = new GrpcEndpoint(undefined);
    const { server } = await serve(endpoint);
    servers.push(server);
    expect(await endpoint.drain(1000)).toBe(true);
  });

  it('bounds the drain: a call that never ends is cancelled after the timeout', async () => {
    const endpoint = new GrpcEndpoint(undefined);
    const { server, address } = await serve(endpoint);
    servers.push(server);
    // Health/Watch is a server stream that stays open: an in-flight call that would hold shutdown forever.
    const pkg = loadPackageDefinition(loadSync(healthProtoPath)) as unknown as {
      grpc: { health: { v1: { Health: ServiceClientConstructor } } };
    };
    const client = new pkg.grpc.health.v1.Health(address, credentials.createInsecure());
    const watch = client.Watch({ service: '' });
    const ended = new Promise<number>((resolve) => watch.on('error', (e: { code: number }) => resolve(e.code)));
    await new Promise((resolve) => watch.once('data', resolve));

    const started = performance.now();
    expect(await endpoint.drain(300)).toBe(false);
    const ms = performance.now() - started;
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(1500);
    expect(await ended).toBeGreaterThan(0);
    client.close();
  });
});
