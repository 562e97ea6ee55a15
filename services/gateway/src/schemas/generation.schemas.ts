import { z } from 'zod';
import { ModelRef } from './common.schemas';

/** Sampling settings shared by every generation entry point (REST and WebSocket). */
export const SamplingFields = {
  max_tokens: z.number().int().min(1).max(32_768).optional().meta({ description: 'Tokens to generate at most.' }),
  temperature: z.number().min(0).max(2).optional().meta({ description: '0 is greedy decoding.' }),
  top_k: z.number().int().min(0).max(100_000).optional().meta({ description: '0 disables top-k.' }),
  top_p: z.number().gt(0).max(1).optional(),
  repetition_penalty: z.number().gt(0).max(10).optional(),
  stop: z.array(z.string().min(1).max(64)).max(8).optional(),
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
};

const Prompt = z.string().min(1).max(200_000);

export const GenerateTextRequest = z
  .object({
    prompt: Prompt,
    model_name: ModelRef,
    ...SamplingFields,
    stream: z.boolean().optional().meta({ description: 'Answer as server-sent events, like /generate/stream.' }),
  })
  .strict();
export type GenerateTextRequest = z.infer<typeof GenerateTextRequest>;

const Base64 = z
  .string()
  .max(14_000_000)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

export const GenerateMultimodalRequest = z
  .object({
    prompt: z.string().max(200_000).optional(),
    model_name: ModelRef,
    image: Base64.optional().meta({ description: 'PNG, JPEG or raw RGB8 pixels, base64.' }),
    audio: Base64.optional().meta({ description: '16 kHz mono PCM16 LE or a WAV file, base64.' }),
    ...SamplingFields,
  })
  .strict()
  .refine((r) => r.image !== undefined || r.audio !== undefined || r.prompt, {
    message: 'give at least one of prompt, image, audio',
    path: ['prompt'],
  });
export type GenerateMultimodalRequest = z.infer<typeof GenerateMultimodalRequest>;

export const GenerateTextResponse = z.object({
  generated_text: z.string(),
  model_name: z.string(),
  tokens_generated: z.number().int(),
  generation_time: z.number().meta({ description: 'Seconds.' }),
  timestamp: z.string().meta({ description: 'RFC 3339 time the answer was produced.' }),
});
export type GenerateTextResponse = z.infer<typeof GenerateTextResponse>;
