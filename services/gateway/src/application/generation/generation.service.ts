import { Inject, Injectable } from '@nestjs/common';
import type { inference } from '@neuroforge/contracts';
import type { Logger } from '@neuroforge/service-kit';
import { SERVICE_LOGGER } from '@neuroforge/service-kit';
import type { Principal } from '../../edge/principal';
import { rateLimitSubject } from '../../edge/rate-limit.guard';
import type { UpstreamStream } from '../../infrastructure/grpc/grpc-upstream';
import { Upstreams } from '../../infrastructure/grpc/upstreams';
import { RateLimiter } from '../../infrastructure/redis/rate-limiter';

/** Sampling settings as every entry point names them (REST, OpenAI, WebSocket all map to these). */
export interface Sampling {
  max_tokens?: number;
  temperature?: number;
  top_k?: number;
  top_p?: number;
  repetition_penalty?: number;
  stop?: string[];
  seed?: number;
}

export interface GenerationInput {
  model: string;
  prompt: string;
  inputs?: inference.Input[];
  sampling: Sampling;
  requestId: string;
}

export interface GenerationResult {
  text: string;
  modelName: string;
  promptTokens: number;
  tokensGenerated: number;
  /** Seconds from the start of processing to the last token. */
  generationSeconds: number;
  finishReason: inference.FinishReason;
}

export function parametersOf(sampling: Sampling): inference.GenerationParameters {
  return {
    maxNewTokens: sampling.max_tokens ?? 0,
    topK: sampling.top_k ?? 0,
    stop: sampling.stop ?? [],
    ...(sampling.temperature !== undefined && { temperature: sampling.temperature }),
    ...(sampling.top_p !== undefined && { topP: sampling.top_p }),
    ...(sampling.repetition_penalty !== undefined && { repetitionPenalty: sampling.repetition_penalty }),
    ...(sampling.seed !== undefined && { seed: String(sampling.seed) }),
  };
}

/** Runs generations on the inference service for a caller and charges the generated tokens to its budget. */
@Injectable()
export class GenerationService {
  constructor(
    @Inject(Upstreams) private readonly upstreams: Upstreams,
    @Inject(RateLimiter) private readonly limiter: RateLimiter,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  async generate(input: GenerationInput, principal: Principal): Promise<GenerationResult> {
    const response = await this.upstreams.inference.unary<inference.GenerateRequest, inference.GenerateResponse>(
      'Generate',
      this.request(input),
      { metadata: callerMetadata(principal) },
    );
    const tokensGenerated = response.timings?.tokensGenerated ?? response.tokenIds.length;
    this.charge(principal, tokensGenerated);
    return {
      text: response.text,
      modelName: response.model?.name || input.model,
      promptTokens: response.promptTokens,
      tokensGenerated,
      generationSeconds: (response.timings?.generationTimeMs ?? 0) / 1000,
      finishReason: response.finishReason,
    };
  }

  /** Opens a generation stream; the caller iterates it and must `cancel()` it when its client goes away. */
  stream(input: GenerationInput, principal: Principal): UpstreamStream<inference.GenerateStreamResponse> {
    return this.upstreams.inference.serverStream<inference.GenerateStreamRequest, inference.GenerateStreamResponse>(
      'GenerateStream',
      this.request(input),
      { metadata: callerMetadata(principal) },
    );
  }

  /** Charges tokens a stream produced (streams report them in their end message, or as they were counted). */
  charge(principal: Principal, tokens: number): void {
    this.limiter
      .chargeTokens(rateLimitSubject(principal, ''), tokens)
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not charge generated tokens'));
  }

  private request(input: GenerationInput): inference.GenerateRequest {
    return {
      requestId: input.requestId,
      model: input.model,
      prompt: input.prompt,
      inputs: input.inputs ?? [],
      parameters: parametersOf(input.sampling),
    };
  }
}

/** Who the request is for, so upstream logs and events can name the user. */
export function callerMetadata(principal: Principal): Record<string, string> {
  return { 'x-neuroforge-user-id': principal.userId, 'x-neuroforge-role': principal.role };
}

/** The REST/WebSocket name of a finish reason. */
export function finishReasonName(reason: inference.FinishReason): string {
  switch (reason as string) {
    case 'FINISH_REASON_LENGTH':
      return 'length';
    case 'FINISH_REASON_EOS_TOKEN':
      return 'eos_token';
    case 'FINISH_REASON_STOP_SEQUENCE':
      return 'stop_sequence';
    case 'FINISH_REASON_CANCELLED':
      return 'cancelled';
    default:
      return 'unknown';
  }
}
