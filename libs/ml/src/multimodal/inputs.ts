// A Generate request's `inputs` (the proto's oneof text | image | audio chunks) → the prompt text and the media, each
// media chunk remembered by its field name (`inputs[1].image`) so that errors point at it.
import type { MultimodalConfig } from './config';
import { MediaInputError } from './media-error';
import type { MediaBytes } from './model';

/** One chunk of a multimodal prompt, as the inference proto's `Input` oneof. */
export type InputChunk = { text: string } | { image: Uint8Array } | { audio: Uint8Array };

export interface SplitInputs {
  /** Text chunks joined in order. */
  readonly text: string;
  readonly media: MediaBytes;
}

/**
 * Splits chunks into prompt text and media. A model takes at most one image and one audio clip; they condition the
 * whole text wherever they appear among the chunks (see docs/engine/multimodal.md). `fieldPrefix` is the request
 * field holding the list (default `inputs`).
 */
export function splitInputs(
  config: Pick<MultimodalConfig, 'vision' | 'audio'>,
  chunks: readonly InputChunk[],
  fieldPrefix = 'inputs',
): SplitInputs {
  let text = '';
  let image: { data: Uint8Array; field: string } | undefined;
  let audio: { data: Uint8Array; field: string } | undefined;
  chunks.forEach((chunk, i) => {
    if ('text' in chunk) {
      text += chunk.text;
    } else if ('image' in chunk) {
      const field = `${fieldPrefix}[${i}].image`;
      if (!config.vision) throw new MediaInputError(field, 'not supported by this model (it has no vision encoder)');
      if (image) throw new MediaInputError(field, `this model takes one image; ${image.field} is already one`);
      image = { data: chunk.image, field };
    } else {
      const field = `${fieldPrefix}[${i}].audio`;
      if (!config.audio) throw new MediaInputError(field, 'not supported by this model (it has no audio encoder)');
      if (audio) throw new MediaInputError(field, `this model takes one audio clip; ${audio.field} is already one`);
      audio = { data: chunk.audio, field };
    }
  });
  return { text, media: { ...(image ? { image } : {}), ...(audio ? { audio } : {}) } };
}
