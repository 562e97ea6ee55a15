import { z } from 'zod';

// OpenAI's request shapes, loose (unknown fields such as `user` or `logprobs` are accepted and ignored), with
// the fields NeuroForge honours validated as strictly as on /api/v1.

const Stop = z.union([z.string().min(1).max(64), z.array(z.string().min(1).max(64)).max(4)]);
const StreamOptions = z.object({ include_usage: z.boolean().optional() }).loose();

const Sampling = {
  max_tokens: z.number().int().min(1).max(32_768).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  stop: Stop.nullish(),
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullish(),
  n: z.literal(1, 'only n = 1 is supported').nullish(),
  stream: z.boolean().nullish(),
  stream_options: StreamOptions.nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  /** NeuroForge extensions (vLLM names them the same). */
  top_k: z.number().int().min(0).max(100_000).nullish(),
  repetition_penalty: z.number().gt(0).max(10).nullish(),
};

const TextPart = z.object({ type: z.literal('text'), text: z.string() }).loose();
const MessageContent = z.union([z.string(), z.array(TextPart)]);

export const ChatMessage = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant']),
    content: MessageContent.nullable(),
    name: z.string().max(64).optional(),
  })
  .loose();
export type ChatMessage = z.infer<typeof ChatMessage>;

export const ChatCompletionRequest = z
  .object({
    model: z.string().min(1).max(160),
    messages: z.array(ChatMessage).min(1).max(512),
    max_completion_tokens: z.number().int().min(1).max(32_768).nullish(),
    ...Sampling,
  })
  .loose();
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

export const CompletionRequest = z
  .object({
    model: z.string().min(1).max(160),
    prompt: z.union([z.string().max(200_000), z.array(z.string().max(200_000)).length(1, 'give one prompt')]),
    echo: z.boolean().nullish(),
    ...Sampling,
  })
  .loose();
export type CompletionRequest = z.infer<typeof CompletionRequest>;

export const EmbeddingRequest = z
  .object({
    model: z.string().min(1).max(160),
    input: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(256)]),
    encoding_format: z.enum(['float']).optional(),
  })
  .loose();
export type EmbeddingRequest = z.infer<typeof EmbeddingRequest>;

const Usage = z.object({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number() });

export const ChatCompletion = z.object({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number(),
      message: z.object({ role: z.literal('assistant'), content: z.string() }),
      finish_reason: z.string(),
      logprobs: z.null(),
    }),
  ),
  usage: Usage,
});

export const Completion = z.object({
  id: z.string(),
  object: z.literal('text_completion'),
  created: z.number(),
  model: z.string(),
  choices: z.array(z.object({ index: z.number(), text: z.string(), finish_reason: z.string(), logprobs: z.null() })),
  usage: Usage,
});

export const ModelListResponse = z.object({
  object: z.literal('list'),
  data: z.array(z.object({ id: z.string(), object: z.literal('model'), created: z.number(), owned_by: z.string() })),
});

export const EmbeddingResponse = z.object({
  object: z.literal('list'),
  data: z.array(z.object({ object: z.literal('embedding'), index: z.number(), embedding: z.array(z.number()) })),
  model: z.string(),
  usage: z.object({ prompt_tokens: z.number(), total_tokens: z.number() }),
});
