// Publication of `neuroforge.inference.generation_completed.v1` (fire and forget: never delays a response).
import type { inferenceEvents } from '@neuroforge/contracts';

export interface GenerationEvents {
  completed(event: inferenceEvents.GenerationCompleted): void;
}

export const GENERATION_EVENTS = Symbol('GENERATION_EVENTS');
