import { Inject, Injectable } from '@nestjs/common';
import { isAllowed, type Permission } from '@neuroforge/auth-policy';
import type { inference } from '@neuroforge/contracts';
import type { Logger } from '@neuroforge/service-kit';
import { SERVICE_LOGGER } from '@neuroforge/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge } from 'prom-client';
import type { WebSocket } from 'ws';
import {
  callerMetadata,
  finishReasonName,
  GenerationService,
  type Sampling,
} from '../../application/generation/generation.service';
import { CHAT_STOP_SEQUENCES, chatPrompt } from '../../application/openai/chat-template';
import { TrainingWatcher } from '../../application/watch-training/training-watch';
import { ApiError } from '../../edge/api-error';
import { CredentialVerifier, credentialOf } from '../../edge/credential-verifier';
import { toApiError } from '../../edge/error-envelope.filter';
import type { Principal } from '../../edge/principal';
import { enforceRateLimit, rateLimitSubject } from '../../edge/rate-limit.guard';
import { violationsOf } from '../../edge/validation';
import { RateLimiter } from '../../infrastructure/redis/rate-limiter';
import { ClientMessage, MAX_ACTIVE_PER_CONNECTION, type ServerMessage } from './chat.ws.protocol';

const active = new Gauge({
  name: 'neuroforge_gateway_ws_active_generations',
  help: 'Generations running for WebSocket clients.',
});
const cancelled = new Counter({
  name: 'neuroforge_gateway_ws_cancelled_generations_total',
  help: 'Upstream generation streams cancelled because the WebSocket closed or the client sent cancel.',
  labelNames: ['reason'],
});

/** What runs for one request id: a generation or a training watch, both cancellable. */
interface Running {
  kind: 'generation' | 'training';
  cancel(): void;
}

/** Opening the socket needs one of these; each message then needs its own (chat: generate, watches: training:read). */
const CONNECT_PERMISSIONS: readonly Permission[] = ['generate', 'training:read'];

function forbidden(permission: string): ApiError {
  return new ApiError(403, 'AUTH.FORBIDDEN', `This needs the permission ${permission}.`, { permission });
}

/**
 * Serves /ws/chat: authenticates the upgrade, then runs each request frame as its own upstream stream (generation)
 * or training watch.
 */
@Injectable()
export class ChatWsHandler {
  constructor(
    @Inject(CredentialVerifier) private readonly verifier: CredentialVerifier,
    @Inject(GenerationService) private readonly generation: GenerationService,
    @Inject(TrainingWatcher) private readonly training: TrainingWatcher,
    @Inject(RateLimiter) private readonly limiter: RateLimiter,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  /** Runs before the upgrade: no credential or a bad one is a plain HTTP 401/403 with the error envelope. */
  async authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    try {
      const query = request.query as { token?: unknown };
      const credential = credentialOf(request.headers, typeof query.token === 'string' ? query.token : undefined);
      if (!credential) throw ApiError.unauthenticated('Send a credential in `Authorization` or as `?token=`.');
      const principal = await this.verifier.verify(credential);
      if (!CONNECT_PERMISSIONS.some((permission) => isAllowed(principal, permission))) {
        throw forbidden(CONNECT_PERMISSIONS.join(' or '));
      }
      request.principal = principal;
    } catch (error) {
      const apiError = toApiError(error);
      await reply.status(apiError.status).headers(apiError.headers).send(apiError.envelope());
    }
  }

  /** One connection: frames in, answers out; closing it cancels every request still running. */
  connect(socket: WebSocket, request: FastifyRequest): void {
    const principal = request.principal;
    if (!principal) {
      socket.close(1008, 'unauthenticated');
      return;
    }
    const streams = new Map<string, Running>();
    const send = (message: ServerMessage) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
    };
    const fail = (error: unknown, id?: string) =>
      send({ type: 'error', ...(id && { id }), error: toApiError(error).envelope().error });

    socket.on('message', (data, isBinary) => {
      let message: ClientMessage;
      try {
        if (isBinary) throw new ApiError(400, 'WS.BINARY_FRAME', 'Send JSON text frames.');
        let json: unknown;
        try {
          json = JSON.parse(data.toString());
        } catch (error) {
          throw new ApiError(400, 'REQUEST.INVALID_JSON', `The frame is not valid JSON: ${(error as Error).message}`);
        }
        const parsed = ClientMessage.safeParse(json);
        if (!parsed.success) {
          const id = (json as { id?: unknown })?.id;
          fail(ApiError.validation(violationsOf(parsed.error), 'message'), typeof id === 'string' ? id : undefined);
          return;
        }
        message = parsed.data;
      } catch (error) {
        fail(error);
        return;
      }
      this.dispatch(message, principal, request, streams, send, fail);
    });

    socket.on('close', () => {
      for (const running of streams.values()) {
        running.cancel();
        if (running.kind === 'generation') cancelled.inc({ reason: 'disconnect' });
      }
      streams.clear();
    });
    socket.on('error', (error) => this.logger.warn({ err: error }, 'websocket error'));
  }

  private dispatch(
    message: ClientMessage,
    principal: Principal,
    request: FastifyRequest,
    streams: Map<string, Running>,
    send: (message: ServerMessage) => void,
    fail: (error: unknown, id?: string) => void,
  ): void {
    switch (message.type) {
      case 'ping':
        send({ type: 'pong', ...(message.id && { id: message.id }), timestamp: new Date().toISOString() });
        return;
      case 'cancel': {
        const running = streams.get(message.id);
        if (running) {
          running.cancel();
          if (running.kind === 'generation') cancelled.inc({ reason: 'cancel' });
        }
        return;
      }
      default:
        break;
    }
    const { id } = message;
    if (streams.has(id)) {
      fail(new ApiError(409, 'WS.DUPLICATE_ID', `Request ${id} is still running.`), id);
      return;
    }
    if (streams.size >= MAX_ACTIVE_PER_CONNECTION) {
      fail(
        new ApiError(
          429,
          'WS.TOO_MANY_REQUESTS',
          `At most ${MAX_ACTIVE_PER_CONNECTION} requests run at once per connection.`,
        ),
        id,
      );
      return;
    }
    if (message.type === 'watch_training') {
      this.watchTraining(message.id, message.job_id, principal, request, streams, send, fail);
      return;
    }
    if (!isAllowed(principal, 'generate')) {
      fail(forbidden('generate'), id);
      return;
    }
    const { type: _type, id: _id, model, ...rest } = message;
    let prompt: string;
    const inputs: inference.Input[] = [];
    let sampling: Sampling;
    if (message.type === 'chat') {
      const { messages: _m, ...s } = rest as typeof rest & { messages: unknown };
      prompt = chatPrompt(message.messages);
      sampling = { ...s, stop: [...(s.stop ?? []), ...CHAT_STOP_SEQUENCES].slice(0, 8) };
    } else if (message.type === 'generate') {
      const { prompt: p, ...s } = rest as typeof rest & { prompt: string };
      prompt = p;
      sampling = s;
    } else {
      const {
        prompt: p,
        image,
        audio,
        ...s
      } = rest as typeof rest & { prompt?: string; image?: string; audio?: string };
      prompt = p ?? '';
      if (image !== undefined) inputs.push({ image: Buffer.from(image, 'base64') });
      if (audio !== undefined) inputs.push({ audio: Buffer.from(audio, 'base64') });
      sampling = s;
    }
    // Reserve the id before the first await, so a quick duplicate is refused.
    streams.set(id, { kind: 'generation', cancel() {} });
    void this.run(id, { model, prompt, inputs, sampling }, principal, request, streams, send)
      .catch((error: unknown) => fail(error, id))
      .finally(() => streams.delete(id));
  }

  private async run(
    id: string,
    input: { model: string; prompt: string; inputs: inference.Input[]; sampling: Sampling },
    principal: Principal,
    request: FastifyRequest,
    streams: Map<string, Running>,
    send: (message: ServerMessage) => void,
  ): Promise<void> {
    await enforceRateLimit(this.limiter, this.logger, rateLimitSubject(principal, request.ip), true, () => undefined);
    if (!streams.has(id)) return; // the socket closed meanwhile
    const stream = this.generation.stream({ ...input, requestId: `${request.requestId}:${id}` }, principal);
    streams.set(id, { kind: 'generation', cancel: () => stream.cancel() });
    active.inc();
    let text = '';
    let tokens = 0;
    let modelName = input.model;
    try {
      for await (const message of stream) {
        if (message.prompt) modelName = message.prompt.model?.name || modelName;
        else if (message.token) {
          text += message.token.text;
          tokens += message.token.tokenIds.length;
          send({ type: 'chat_response', id, done: false, delta: message.token.text });
        } else if (message.end) {
          tokens = message.end.timings?.tokensGenerated ?? tokens;
          send({
            type: 'chat_response',
            id,
            done: true,
            text,
            model_name: modelName,
            tokens_generated: tokens,
            generation_time: (message.end.timings?.generationTimeMs ?? 0) / 1000,
            finish_reason: finishReasonName(message.end.finishReason),
            timestamp: new Date().toISOString(),
          });
        }
      }
      if (stream.cancelled) {
        send({
          type: 'chat_response',
          id,
          done: true,
          text,
          model_name: modelName,
          tokens_generated: tokens,
          generation_time: 0,
          finish_reason: 'cancelled',
          timestamp: new Date().toISOString(),
        });
      }
    } finally {
      active.dec();
      this.generation.charge(principal, tokens);
    }
  }

  /** `watch_training`: the job's state, its progress, then `training_done`; `cancel` or closing ends the watch. */
  private watchTraining(
    id: string,
    jobId: string,
    principal: Principal,
    request: FastifyRequest,
    streams: Map<string, Running>,
    send: (message: ServerMessage) => void,
    fail: (error: unknown, id?: string) => void,
  ): void {
    if (!isAllowed(principal, 'training:read')) {
      fail(forbidden('training:read'), id);
      return;
    }
    let cancelledEarly = false;
    let stop = () => {
      cancelledEarly = true;
    };
    // Reserved before the first await, as for generations; cancel() before the watch opens ends it as it opens.
    streams.set(id, { kind: 'training', cancel: () => stop() });
    const run = async () => {
      await enforceRateLimit(
        this.limiter,
        this.logger,
        rateLimitSubject(principal, request.ip),
        false,
        () => undefined,
      );
      const watch = await this.training.open(jobId, callerMetadata(principal));
      stop = () => watch.cancel();
      if (cancelledEarly || !streams.has(id)) watch.cancel();
      for await (const event of watch) {
        if (event.type === 'progress') {
          const { job_id: _job, state, ...progress } = event.progress;
          send({ type: 'training_progress', id, job_id: jobId, state, progress });
        } else if (event.type === 'evaluation') {
          const { step, eval_loss } = event.evaluation;
          send({ type: 'training_evaluation', id, job_id: jobId, step, eval_loss });
        } else if (event.type === 'state') {
          send({ type: 'training_progress', id, job_id: jobId, state: event.job.state, progress: event.job.progress });
        } else {
          send({ type: 'training_done', id, job_id: jobId, state: event.job.state, job: event.job });
        }
      }
    };
    void run()
      .catch((error: unknown) => fail(error, id))
      .finally(() => streams.delete(id));
  }
}
