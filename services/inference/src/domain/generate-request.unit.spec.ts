import { describe, expect, it } from 'vitest';
import { checkMediaSupported, checkPromptLength, type GenerateInput, validateGenerateInput } from './generate-request';
import { InferenceError } from './inference-error';
import { parseModelRef, refKey } from './model-ref';

const defaults = { maxNewTokens: 64, temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1 };
const base: GenerateInput = { requestId: '', model: '', prompt: 'hi', inputs: [], parameters: null };
const params = (p: Partial<NonNullable<GenerateInput['parameters']>>) => ({
  ...base,
  parameters: { maxNewTokens: 0, topK: 0, stop: [], ...p },
});

function fieldOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InferenceError);
    expect((error as InferenceError).code).toBe('INFERENCE.INVALID_ARGUMENT');
    expect((error as Error).message.startsWith((error as InferenceError).field as string)).toBe(true);
    return (error as InferenceError).field;
  }
  return undefined;
}

describe('validateGenerateInput', () => {
  it('fills unset parameters with the server defaults', () => {
    const v = validateGenerateInput(base, defaults);
    expect(v.params).toMatchObject({ maxNewTokens: 64, temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1 });
    expect(v.deterministic).toBe(false);
  });

  it.each([
    [{ maxNewTokens: 65 }, 'parameters.max_new_tokens'],
    [{ temperature: -0.5 }, 'parameters.temperature'],
    [{ topP: 0 }, 'parameters.top_p'],
    [{ topP: 1.5 }, 'parameters.top_p'],
    [{ repetitionPenalty: 0 }, 'parameters.repetition_penalty'],
    [{ stop: Array.from({ length: 9 }, () => 'x') }, 'parameters.stop'],
    [{ stop: ['x'.repeat(65)] }, 'parameters.stop[0]'],
    [{ seed: 'abc' }, 'parameters.seed'],
  ])('rejects %o naming %s', (p, field) => {
    expect(fieldOf(() => validateGenerateInput(params(p), defaults))).toBe(field);
  });

  it('keeps image and audio chunks apart from the text, each named by its field', () => {
    const inputs = [{ text: ' a' }, { image: Buffer.from([1]) }, { audio: Buffer.from([2]) }, { text: ' b' }];
    const v = validateGenerateInput({ ...base, inputs }, defaults);
    expect(v.text).toBe('hi a b');
    expect(v.media.map((m) => [m.kind, m.field, [...m.data]])).toEqual([
      ['image', 'inputs[1].image', [1]],
      ['audio', 'inputs[2].audio', [2]],
    ]);
  });

  it('rejects media a model does not take, naming the chunk and what the model takes', () => {
    const { media } = validateGenerateInput(
      { ...base, inputs: [{ text: 'a' }, { image: Buffer.from([1]) }, { audio: Buffer.from([1]) }] },
      defaults,
    );
    expect(fieldOf(() => checkMediaSupported(media, []))).toBe('inputs[1].image');
    expect(() => checkMediaSupported(media, [])).toThrow(/reads text only/);
    expect(fieldOf(() => checkMediaSupported(media, ['image']))).toBe('inputs[2].audio');
    expect(() => checkMediaSupported(media, ['image'])).toThrow(/takes text and images/);
    expect(() => checkMediaSupported(media, ['image', 'audio'])).not.toThrow();
  });

  it('rejects a second image, naming it and the first', () => {
    const { media } = validateGenerateInput(
      { ...base, inputs: [{ image: Buffer.from([1]) }, { image: Buffer.from([2]) }] },
      defaults,
    );
    expect(fieldOf(() => checkMediaSupported(media, ['image', 'audio']))).toBe('inputs[1].image');
    expect(() => checkMediaSupported(media, ['image'])).toThrow(/inputs\[0\]\.image/);
  });

  it('joins the prompt and text chunks, and calls greedy or seeded requests deterministic', () => {
    const v = validateGenerateInput({ ...base, inputs: [{ text: ' there' }] }, defaults);
    expect(v.text).toBe('hi there');
    expect(validateGenerateInput(params({ temperature: 0 }), defaults).deterministic).toBe(true);
    expect(validateGenerateInput(params({ seed: '18446744073709551615' }), defaults).params.seed).toBe(2n ** 64n - 1n);
  });

  it('rejects a prompt that leaves no room to generate, after a media prefix too', () => {
    expect(fieldOf(() => checkPromptLength(1024, 1024))).toBe('prompt');
    expect(() => checkPromptLength(1023, 1024)).not.toThrow();
    expect(fieldOf(() => checkPromptLength(1000, 1024, 31))).toBe('prompt');
    expect(() => checkPromptLength(1000, 1024, 31)).toThrow(/at most 992 prompt tokens after the media's 31/);
    expect(() => checkPromptLength(992, 1024, 31)).not.toThrow();
  });
});

describe('parseModelRef', () => {
  it('reads name, name@alias and name:version; empty means the default model', () => {
    expect(refKey(parseModelRef('tiny', 'd'))).toBe('tiny@latest');
    expect(refKey(parseModelRef('tiny@production', 'd'))).toBe('tiny@production');
    expect(refKey(parseModelRef('tiny:3', 'd'))).toBe('tiny:3');
    expect(refKey(parseModelRef('', 'retnet-default'))).toBe('retnet-default@latest');
  });

  it('rejects malformed references naming the model field', () => {
    expect(fieldOf(() => parseModelRef('Tiny Model', 'd'))).toBe('model');
    expect(fieldOf(() => parseModelRef('tiny:0', 'd'))).toBe('model');
    expect(fieldOf(() => parseModelRef('tiny@', 'd'))).toBe('model');
  });
});
