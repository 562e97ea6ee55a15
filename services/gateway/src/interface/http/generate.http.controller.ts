import { Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { inference } from '@neuroforge/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  finishReasonName,
  type GenerationInput,
  GenerationService,
} from '../../application/generation/generation.service';
import type { Principal } from '../../edge/principal';
import { ChargesTokens, RequirePermission } from '../../edge/route-policy';
import { ApiRoute, ValidBody } from '../../edge/validation';
import { GenerateMultimodalRequest, GenerateTextRequest, GenerateTextResponse } from '../../schemas/generation.schemas';
import { SseWriter } from './sse';

const STREAM_DESCRIPTION =
  'Server-sent events: `event: token` with `{text, token_ids}` per group of new tokens, then one `event: end` ' +
  'with the same body as /generate/text plus `finish_reason` and `prompt_tokens`; a failure after the stream ' +
  'started is one `event: error` with the error envelope. Closing the connection cancels the generation.';

@Controller('api/v1/generate')
@RequirePermission('generate')
@ChargesTokens()
export class GenerateHttpController {
  constructor(@Inject(GenerationService) private readonly generation: GenerationService) {}

  @Post('text')
  @HttpCode(200)
  @ApiRoute({
    summary: 'Generate text from a prompt',
    description: `With \`stream: true\` the answer is a stream as for /generate/stream. ${STREAM_DESCRIPTION}`,
    tags: ['generation'],
    body: GenerateTextRequest,
    response: GenerateTextResponse,
  })
  async text(
    @ValidBody() body: GenerateTextRequest,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<GenerateTextResponse | undefined> {
    const input = textInput(body, request.requestId);
    if (body.stream) {
      await this.streamTo(input, request, reply);
      return undefined;
    }
    const result = await this.generation.generate(input, principalOf(request));
    return {
      generated_text: result.text,
      model_name: result.modelName,
      tokens_generated: result.tokensGenerated,
      generation_time: result.generationSeconds,
      timestamp: new Date().toISOString(),
    };
  }

  @Post('multimodal')
  @HttpCode(200)
  @ApiRoute({
    summary: 'Generate text from text, image and audio inputs',
    description: 'Inputs are fed in the order prompt, image, audio. Needs a multimodal model.',
    tags: ['generation'],
    body: GenerateMultimodalRequest,
    response: GenerateTextResponse,
  })
  async multimodal(
    @ValidBody() body: GenerateMultimodalRequest,
    @Req() request: FastifyRequest,
  ): Promise<GenerateTextResponse> {
    const inputs: inference.Input[] = [];
    if (body.image !== undefined) inputs.push({ image: Buffer.from(body.image, 'base64') });
    if (body.audio !== undefined) inputs.push({ audio: Buffer.from(body.audio, 'base64') });
    const { prompt, model_name, image: _image, audio: _audio, ...sampling } = body;
    const result = await this.generation.generate(
      { model: model_name, prompt: prompt ?? '', inputs, sampling, requestId: request.requestId },
      principalOf(request),
    );
    return {
      generated_text: result.text,
      model_name: result.modelName,
      tokens_generated: result.tokensGenerated,
      generation_time: result.generationSeconds,
      timestamp: new Date().toISOString(),
    };
  }

  @Post('stream')
  @ApiRoute({
    summary: 'Generate text as a stream of server-sent events',
    description: STREAM_DESCRIPTION,
    tags: ['generation'],
    body: GenerateTextRequest,
    produces: 'text/event-stream',
  })
  async stream(
    @ValidBody() body: GenerateTextRequest,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.streamTo(textInput(body, request.requestId), request, reply);
  }

  private async streamTo(input: GenerationInput, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const principal = principalOf(request);
    const upstream = this.generation.stream(input, principal);
    const iterator = upstream[Symbol.asyncIterator]();
    // The first message is awaited before answering, so an unknown model or a down service is still a plain
    // HTTP error (404, 503) rather than an error event in a 200 stream.
    const first = await iterator.next();
    const sse = new SseWriter(request, reply);
    sse.onClose(() => upstream.cancel());
    let text = '';
    let tokens = 0;
    let modelName = input.model;
    let promptTokens = 0;
    try {
      for (let step = first; !step.done; step = await iterator.next()) {
        const message = step.value;
        if (message.prompt) {
          promptTokens = message.prompt.promptTokens;
          modelName = message.prompt.model?.name || modelName;
        } else if (message.token) {
          text += message.token.text;
          tokens += message.token.tokenIds.length;
          sse.send({ text: message.token.text, token_ids: message.token.tokenIds }, 'token');
        } else if (message.end) {
          tokens = message.end.timings?.tokensGenerated ?? tokens;
          sse.send(
            {
              generated_text: text,
              model_name: modelName,
              tokens_generated: tokens,
              generation_time: (message.end.timings?.generationTimeMs ?? 0) / 1000,
              timestamp: new Date().toISOString(),
              finish_reason: finishReasonName(message.end.finishReason),
              prompt_tokens: promptTokens,
            },
            'end',
          );
        }
      }
    } catch (error) {
      sse.fail(error);
    } finally {
      this.generation.charge(principal, tokens);
      sse.end();
    }
  }
}

function textInput(body: GenerateTextRequest, requestId: string): GenerationInput {
  const { prompt, model_name, stream: _stream, ...sampling } = body;
  return { model: model_name, prompt, sampling, requestId };
}

/** The principal AuthGuard attached (every generation route is authenticated). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route reached without a principal; is it missing from AuthGuard?');
  return request.principal;
}
