import { z } from 'zod';
import { ModelRef } from '../../schemas/common.schemas';
import { SamplingFields } from '../../schemas/generation.schemas';
import { ChatMessage } from '../../schemas/openai.schemas';
import { TrainingJobParams, type TrainingJobView, type TrainingProgress } from '../../schemas/training.schemas';

// The /ws/chat protocol (docs/api/rest.md, "WebSocket"): JSON text frames, each with a `type`; requests carry a
// client-chosen `id` that every answer to them repeats, so one connection runs several requests at once.

const RequestId = z.string().min(1).max(128);
const Base64 = z
  .string()
  .max(14_000_000)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

export const ClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ping'), id: RequestId.optional() }),
  z.object({ type: z.literal('cancel'), id: RequestId }),
  z.object({
    type: z.literal('chat'),
    id: RequestId,
    model: ModelRef,
    messages: z.array(ChatMessage).min(1).max(512),
    ...SamplingFields,
  }),
  z.object({
    type: z.literal('generate'),
    id: RequestId,
    model: ModelRef,
    prompt: z.string().min(1).max(200_000),
    ...SamplingFields,
  }),
  z.object({
    type: z.literal('multimodal'),
    id: RequestId,
    model: ModelRef,
    prompt: z.string().max(200_000).optional(),
    image: Base64.optional(),
    audio: Base64.optional(),
    ...SamplingFields,
  }),
  z.object({ type: z.literal('watch_training'), id: RequestId, job_id: TrainingJobParams.shape.id }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

export type ServerMessage =
  | { type: 'pong'; id?: string; timestamp: string }
  | { type: 'chat_response'; id: string; done: false; delta: string }
  | {
      type: 'chat_response';
      id: string;
      done: true;
      text: string;
      model_name: string;
      tokens_generated: number;
      generation_time: number;
      finish_reason: string;
      timestamp: string;
    }
  | {
      type: 'training_progress';
      id: string;
      job_id: string;
      state: string;
      /** The latest report; null before the job's first. */
      progress: TrainingProgress | null;
    }
  | { type: 'training_evaluation'; id: string; job_id: string; step: number; eval_loss: number }
  | { type: 'training_done'; id: string; job_id: string; state: string; job: TrainingJobView }
  | { type: 'error'; id?: string; error: { code: string; message: string; details: Record<string, unknown> } };

/** Requests (generations and training watches) one connection may run at once. */
export const MAX_ACTIVE_PER_CONNECTION = 8;
