import { randomUUID } from 'node:crypto';
import { Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { embeddings, inference, models } from '@neuroforge/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  callerMetadata,
  type GenerationInput,
  GenerationService,
  type Sampling,
} from '../../application/generation/generation.service';
import { CHAT_STOP_SEQUENCES, chatPrompt } from '../../application/openai/chat-template';
import { ChargesTokens, RequirePermission } from '../../edge/route-policy';
import { ApiRoute, ValidBody } from '../../edge/validation';
import { Upstreams } from '../../infrastructure/grpc/upstreams';
import {
  ChatCompletion,
  ChatCompletionRequest,
  Completion,
  CompletionRequest,
  EmbeddingRequest,
  EmbeddingResponse,
  ModelListResponse,
} from '../../schemas/openai.schemas';
import { principalOf } from './generate.http.controller';
import { SseWriter } from './sse';

const STREAM_NOTE =
  "With `stream: true`: server-sent `data:` chunks in OpenAI's chunk format, `data: [DONE]` last; with " +
  '`stream_options.include_usage` a final chunk with empty `choices` carries `usage`.';

function openAiFinishReason(reason: inference.FinishReason | undefined): 'stop' | 'length' {
  return (reason as string | undefined) === 'FINISH_REASON_LENGTH' ? 'length' : 'stop';
}

function samplingOf(body: ChatCompletionRequest | CompletionRequest, extraStops: readonly string[] = []): Sampling {
  const stops = body.stop == null ? [] : typeof body.stop === 'string' ? [body.stop] : body.stop;
  const completionTokens =
    'max_completion_tokens' in body ? (body.max_completion_tokens as number | null | undefined) : undefined;
  const maxTokens = completionTokens ?? body.max_tokens;
  return {
    ...(maxTokens != null && { max_tokens: maxTokens }),
    ...(body.temperature != null && { temperature: body.temperature }),
    ...(body.top_p != null && { top_p: body.top_p }),
    ...(body.top_k != null && { top_k: body.top_k }),
    ...(body.repetition_penalty != null && { repetition_penalty: body.repetition_penalty }),
    ...(body.seed != null && { seed: body.seed }),
    stop: [...stops, ...extraStops].slice(0, 8),
  };
}

/** The OpenAI-compatible API: the official clients work with a NeuroForge API key or access token. */
@Controller('v1')
export class OpenAiHttpController {
  constructor(
    @Inject(GenerationService) private readonly generation: GenerationService,
    @Inject(Upstreams) private readonly upstreams: Upstreams,
  ) {}

  @Get('models')
  @RequirePermission('models:read')
  @ApiRoute({ summary: 'List models (OpenAI format)', tags: ['openai'], response: ModelListResponse })
  async models(@Req() request: FastifyRequest) {
    const answer = await this.upstreams.models.unary<models.ListModelsRequest, models.ListModelsResponse>(
      'ListModels',
      {
        pageSize: 500,
        pageToken: '',
        architecture: 'ARCHITECTURE_UNSPECIFIED' as models.Architecture,
        tag: '',
        includeDeleted: false,
      },
      { metadata: callerMetadata(principalOf(request)) },
    );
    return {
      object: 'list' as const,
      data: answer.models.map((m) => ({
        id: m.name,
        object: 'model' as const,
        created: Number(m.createdAt?.seconds ?? 0),
        owned_by: m.createdByUserId || 'neuroforge',
      })),
    };
  }

  @Post('chat/completions')
  @HttpCode(200)
  @RequirePermission('generate')
  @ChargesTokens()
  @ApiRoute({
    summary: 'Chat completion (OpenAI format)',
    description: `Messages become one prompt through the chat template in docs/api/rest.md. ${STREAM_NOTE}`,
    tags: ['openai'],
    body: ChatCompletionRequest,
    response: ChatCompletion,
  })
  async chat(@ValidBody() body: ChatCompletionRequest, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const input: GenerationInput = {
      model: body.model,
      prompt: chatPrompt(body.messages),
      sampling: samplingOf(body, CHAT_STOP_SEQUENCES),
      requestId: request.requestId,
    };
    const id = `chatcmpl-${randomUUID().replaceAll('-', '')}`;
    if (body.stream) {
      await this.stream(input, request, reply, {
        id,
        object: 'chat.completion.chunk',
        includeUsage: body.stream_options?.include_usage === true,
        choice: (text, first) => ({ delta: first ? { role: 'assistant', content: text } : { content: text } }),
        lastChoice: () => ({ delta: {} }),
      });
      return;
    }
    const result = await this.generation.generate(input, principalOf(request));
    reply.send({
      id,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: result.modelName,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: result.text },
          finish_reason: openAiFinishReason(result.finishReason),
          logprobs: null,
        },
      ],
      usage: usage(result.promptTokens, result.tokensGenerated),
    });
  }

  @Post('completions')
  @HttpCode(200)
  @RequirePermission('generate')
  @ChargesTokens()
  @ApiRoute({
    summary: 'Text completion (OpenAI format)',
    description: STREAM_NOTE,
    tags: ['openai'],
    body: CompletionRequest,
    response: Completion,
  })
  async completions(@ValidBody() body: CompletionRequest, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const prompt = typeof body.prompt === 'string' ? body.prompt : (body.prompt[0] ?? '');
    // OpenAI's default for the legacy completions endpoint is 16 tokens.
    const sampling = { max_tokens: 16, ...samplingOf(body) };
    const input: GenerationInput = { model: body.model, prompt, sampling, requestId: request.requestId };
    const id = `cmpl-${randomUUID().replaceAll('-', '')}`;
    const echo = body.echo ? prompt : '';
    if (body.stream) {
      await this.stream(input, request, reply, {
        id,
        object: 'text_completion',
        includeUsage: body.stream_options?.include_usage === true,
        choice: (text, first) => ({ text: first ? echo + text : text, logprobs: null }),
        lastChoice: () => ({ text: '', logprobs: null }),
      });
      return;
    }
    const result = await this.generation.generate(input, principalOf(request));
    reply.send({
      id,
      object: 'text_completion',
      created: Math.floor(Date.now() / 1000),
      model: result.modelName,
      choices: [
        { index: 0, text: echo + result.text, finish_reason: openAiFinishReason(result.finishReason), logprobs: null },
      ],
      usage: usage(result.promptTokens, result.tokensGenerated),
    });
  }

  @Post('embeddings')
  @HttpCode(200)
  @RequirePermission('embeddings:read')
  @ApiRoute({
    summary: 'Embeddings (OpenAI format)',
    description: 'Answered by the embeddings service; 503 EMBEDDINGS.UNAVAILABLE while it is not answering.',
    tags: ['openai'],
    body: EmbeddingRequest,
    response: EmbeddingResponse,
  })
  async embeddings(@ValidBody() body: EmbeddingRequest, @Req() request: FastifyRequest) {
    const texts = typeof body.input === 'string' ? [body.input] : body.input;
    const answer = await this.upstreams.embeddings.unary<embeddings.EmbedRequest, embeddings.EmbedResponse>(
      'Embed',
      { model: body.model, texts, normalize: true }, // OpenAI embeddings have unit length
      { metadata: callerMetadata(principalOf(request)) },
    );
    return {
      object: 'list' as const,
      data: answer.vectors.map((v, index) => ({ object: 'embedding' as const, index, embedding: v.values })),
      model: answer.model,
      usage: { prompt_tokens: answer.promptTokens, total_tokens: answer.promptTokens },
    };
  }

  /** Streams a generation as OpenAI chunks; closing the connection cancels the upstream generation. */
  private async stream(
    input: GenerationInput,
    request: FastifyRequest,
    reply: FastifyReply,
    shape: {
      id: string;
      object: string;
      includeUsage: boolean;
      choice: (text: string, first: boolean) => Record<string, unknown>;
      lastChoice: () => Record<string, unknown>;
    },
  ): Promise<void> {
    const principal = principalOf(request);
    const upstream = this.generation.stream(input, principal);
    const iterator = upstream[Symbol.asyncIterator]();
    const first = await iterator.next(); // errors before the first message stay plain HTTP errors
    const sse = new SseWriter(request, reply);
    sse.onClose(() => upstream.cancel());
    const created = Math.floor(Date.now() / 1000);
    let model = input.model;
    let promptTokens = 0;
    let tokens = 0;
    let sentFirst = false;
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
      id: shape.id,
      object: shape.object,
      created,
      model,
      choices,
      ...(shape.includeUsage && { usage: null }),
      ...extra,
    });
    try {
      for (let step = first; !step.done; step = await iterator.next()) {
        const message = step.value;
        if (message.prompt) {
          promptTokens = message.prompt.promptTokens;
          model = message.prompt.model?.name || model;
        } else if (message.token) {
          tokens += message.token.tokenIds.length;
          sse.send(chunk([{ index: 0, ...shape.choice(message.token.text, !sentFirst), finish_reason: null }]));
          sentFirst = true;
        } else if (message.end) {
          tokens = message.end.timings?.tokensGenerated ?? tokens;
          if (!sentFirst) sse.send(chunk([{ index: 0, ...shape.choice('', true), finish_reason: null }]));
          sse.send(
            chunk([{ index: 0, ...shape.lastChoice(), finish_reason: openAiFinishReason(message.end.finishReason) }]),
          );
          if (shape.includeUsage) sse.send(chunk([], { usage: usage(promptTokens, tokens) }));
        }
      }
      sse.send('[DONE]');
    } catch (error) {
      sse.fail(error);
    } finally {
      this.generation.charge(principal, tokens);
      sse.end();
    }
  }
}

function usage(prompt: number, completion: number) {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
