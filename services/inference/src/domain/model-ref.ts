// How a request names a model (the syntax is the contracts' one, shared with embeddings); a reference that does not
// parse is this service's INFERENCE.INVALID_ARGUMENT.
import { type ModelRef, modelRefSyntaxError, tryParseModelRef } from '@neuroforge/contracts';
import { InferenceError } from './inference-error';

export { DEFAULT_ALIAS, type ModelRef, refKey, versionKey } from '@neuroforge/contracts';

/** Parses a model reference; an empty one means `defaultModel`. Throws INVALID_ARGUMENT naming `field`. */
export function parseModelRef(text: string, defaultModel: string, field = 'model'): ModelRef {
  const parsed = tryParseModelRef(text, defaultModel);
  if (!parsed) throw InferenceError.invalidArgument(field, modelRefSyntaxError(text));
  return parsed;
}
