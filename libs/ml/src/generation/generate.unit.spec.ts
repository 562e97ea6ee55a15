import { describe, expect, it } from 'vitest';
import { ByteTokenizer } from '../tokenizers/byte-tokenizer';
import { createTokenizer } from '../tokenizers/registry';
import type { Tokenizer } from '../tokenizers/tokenizer';
import { type GenerateOptions, generate, type TokenEvent } from './generate';
import type { DecodeState, DecodeStepResult, LanguageModel, PrefillResult } from './language-model';
import { GenerationParamError, type GenerationParamsInput } from './params';
import { Xoshiro128StarStar } from './prng';
import { admitSequence, decodeActive } from './test-support';

// A deterministic stand-in for the RetNet runtime: each sequence's state is its token history and its logits are a
// pure function of that history, so batching, stacking and positions can be checked exactly.
interface FakeState extends DecodeState {
  readonly histories: readonly (readonly number[])[];
}

class FakeModel implements LanguageModel<FakeState> {
  prefills: number[][] = [];
  decodeSteps = 0;

  constructor(
    readonly vocabSize: number,
    private readonly logitsFor: (history: readonly number[]) => Float32Array,
    readonly maxSeqLen = 4096,
  ) {}

  async prefill(
    tokens: readonly number[],
    from?: { state: FakeState; position: number },
  ): Promise<PrefillResult<FakeState>> {
    this.prefills.push([...tokens]);
    const history = [...(from?.state.histories[0] ?? []), ...tokens];
    return { logits: this.logitsFor(history), state: { batchSize: 1, histories: [history] }, position: history.length };
  }

  async decodeStep(
    tokens: readonly number[],
    positions: readonly number[],
    state: FakeState,
  ): Promise<DecodeStepResult<FakeState>> {
    this.decodeSteps++;
    const histories = state.histories.map((history, b) => {
      if (positions[b] !== history.length) throw new Error(`position ${positions[b]} != ${history.length}`);
      return [...history, tokens[b] as number];
    });
    const logits = new Float32Array(tokens.length * this.vocabSize);
    histories.forEach((history, b) => {
      logits.set(this.logitsFor(history), b * this.vocabSize);
    });
    return { logits, state: { batchSize: histories.length, histories } };
  }

  stackStates(states: readonly FakeState[]): FakeState {
    const histories = states.flatMap((s) => s.histories);
    return { batchSize: histories.length, histories };
  }

  splitState(state: FakeState): FakeState[] {
    return state.histories.map((history) => ({ batchSize: 1, histories: [history] }));
  }

  async dispose() {}
}

/** Pseudo-random logits seeded by the history (vocabulary of `vocab`, the model padded to `modelVocab`). */
function hashedLogits(vocab: number, modelVocab = vocab) {
  return (history: readonly number[]) => {
    let hash = 2166136261;
    for (const id of history) hash = Math.imul(hash ^ id, 16777619);
    const rng = new Xoshiro128StarStar(hash >>> 0);
    const row = new Float32Array(modelVocab).fill(-1e9);
    for (let i = 0; i < vocab; i++) row[i] = (rng.nextFloat() - 0.5) * 4;
    return row;
  };
}

/** Plays back `script` after a prompt of `promptLength` tokens, then repeats `after`. */
function scripted(vocab: number, promptLength: number, script: readonly number[], after: number) {
  return (history: readonly number[]) => {
    const row = new Float32Array(vocab);
    row[script[history.length - promptLength] ?? after] = 20;
    return row;
  };
}

const bytes = new ByteTokenizer();
const BYTE_VOCAB = 260; // one padded id beyond the tokenizer's 259

async function collect(
  model: LanguageModel<FakeState>,
  tokenizer: Tokenizer,
  prompt: string | number[],
  params: GenerationParamsInput,
  options: Omit<GenerateOptions, 'onToken'> & { onToken?: (e: TokenEvent) => void } = {},
) {
  const events: TokenEvent[] = [];
  const result = await generate(model, tokenizer, prompt, params, {
    ...options,
    onToken: (event) => {
      events.push(event);
      options.onToken?.(event);
    },
  });
  return { result, events };
}

describe('generate', () => {
  it('is deterministic when greedy, taking the argmax of the model’s logits', async () => {
    const logitsFor = hashedLogits(259, BYTE_VOCAB);
    const a = await generate(new FakeModel(BYTE_VOCAB, logitsFor), bytes, 'seed text', {
      temperature: 0,
      maxNewTokens: 12,
    });
    const b = await generate(new FakeModel(BYTE_VOCAB, logitsFor), bytes, 'seed text', {
      temperature: 0,
      maxNewTokens: 12,
    });
    expect(a.tokenIds).toEqual(b.tokenIds);
    const first = logitsFor(bytes.encode('seed text'));
    expect(a.tokenIds[0]).toBe(first.indexOf(Math.max(...first)));
  });

  it('reproduces sampled tokens for a seed and differs across seeds', async () => {
    const model = new FakeModel(BYTE_VOCAB, hashedLogits(259, BYTE_VOCAB));
    const run = (seed: number) => generate(model, bytes, 'abc', { seed, maxNewTokens: 20, temperature: 1.2 });
    const [a, b, c] = await Promise.all([run(7), run(7), run(8)]);
    expect(a.tokenIds).toEqual(b.tokenIds);
    expect(a.tokenIds).not.toEqual(c.tokenIds);
    expect(a.seed).toBe(7n);
  });

  it('returns the seed it drew, which replays the same output', async () => {
    const model = new FakeModel(BYTE_VOCAB, hashedLogits(259, BYTE_VOCAB));
    const first = await generate(model, bytes, 'abc', { maxNewTokens: 16 });
    const replay = await generate(model, bytes, 'abc', { maxNewTokens: 16, seed: first.seed });
    expect(replay.tokenIds).toEqual(first.tokenIds);
  });

  it('stops after max_new_tokens with finish reason "length", one prefill and n − 1 decode steps', async () => {
    const model = new FakeModel(BYTE_VOCAB, hashedLogits(259, BYTE_VOCAB));
    const result = await generate(model, bytes, 'x', { maxNewTokens: 5, seed: 1 });
    expect(result).toMatchObject({ finishReason: 'length', completionTokens: 5, promptTokens: 1 });
    expect(model.decodeSteps).toBe(4);
  });

  it('stops at the end-of-sequence token, keeping it out of the text', async () => {
    const model = new FakeModel(BYTE_VOCAB, scripted(BYTE_VOCAB, 2, bytes.encode('ok'), bytes.specialTokens.eos));
    const result = await generate(model, bytes, 'hi', { maxNewTokens: 50, temperature: 0 });
    expect(result).toMatchObject({ text: 'ok', finishReason: 'eos', tokenIds: [111, 107, 257], completionTokens: 3 });
  });

  it('ends with "length" when the model context is full', async () => {
    const model = new FakeModel(BYTE_VOCAB, hashedLogits(259, BYTE_VOCAB), 10);
    const result = await generate(model, bytes, 'abcdef', { maxNewTokens: 100, seed: 3 });
    expect(result).toMatchObject({ finishReason: 'length', completionTokens: 4 });
    await expect(generate(model, bytes, 'abcdefghij', {})).rejects.toThrow(/prompt has 10 tokens.*at most 9/);
  });

  it('starts an empty prompt from the BOS token', async () => {
    const model = new FakeModel(BYTE_VOCAB, hashedLogits(259, BYTE_VOCAB));
    await generate(model, bytes, '', { maxNewTokens: 1 });
    expect(model.prefills).toEqual([[bytes.specialTokens.bos]]);
  });

  it('accepts prompt token ids and rejects ids outside the vocabulary', async () => {
    const model = new FakeModel(BYTE_VOCAB, hashedLogits(259, BYTE_VOCAB));
    await generate(model, bytes, [104, 105], { maxNewTokens: 1 });
    expect(model.prefills).toEqual([[104, 105]]);
    await expect(generate(model, bytes, [104, 300], {})).rejects.toThrow(/token id 300/);
  });

  it('rejects a model whose vocabulary is smaller than the tokenizer’s', async () => {
    await expect(generate(new FakeModel(256, hashedLogits(256)), bytes, 'a', {})).rejects.toThrow(
      /vocab_size 256 .* 259/,
    );
  });

  it('rejects invalid parameters naming the field, before calling the model', async () => {
    const model = new FakeModel(BYTE_VOCAB, hashedLogits(259, BYTE_VOCAB));
    const error = await generate(model, bytes, 'a', { topP: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GenerationParamError);
    expect((error as GenerationParamError).field).toBe('top_p');
    expect(model.prefills).toHaveLength(0);
  });

  it('applies the repetition penalty over prompt and output', async () => {
    // The model always prefers 'a' (2.0) over 'b' (1.5); a penalty of 2 halves 'a' once it has been seen.
    const logitsFor = () => {
      const row = new Float32Array(BYTE_VOCAB).fill(-10);
      row[97] = 2;
      row[98] = 1.5;
      return row;
    };
    const plain = await generate(new FakeModel(BYTE_VOCAB, logitsFor), bytes, 'x', { temperature: 0, maxNewTokens: 4 });
    expect(plain.text).toBe('aaaa');
    const penalised = await generate(new FakeModel(BYTE_VOCAB, logitsFor), bytes, 'x', {
      temperature: 0,
      maxNewTokens: 4,
      repetitionPenalty: 2,
    });
    expect(penalised.text).toBe('abaa');
    const promptHasA = await generate(new FakeModel(BYTE_VOCAB, logitsFor), bytes, 'a', {
      temperature: 0,
      maxNewTokens: 1,
      repetitionPenalty: 2,
    });
    expect(promptHasA.text).toBe('b');
  });

  it('trims a stop string that spans several tokens and streams none of it', async () => {
    const script = bytes.encode('Answer: 42<END> ignored');
    const model = new FakeModel(BYTE_VOCAB, scripted(BYTE_VOCAB, 1, script, 65));
    const { result, events } = await collect(model, bytes, 'Q', { temperature: 0, stop: ['<END>', 'never'] });
    expect(result).toMatchObject({ text: 'Answer: 42', finishReason: 'stop', stopSequence: '<END>' });
    expect(events.map((e) => e.text).join('')).toBe('Answer: 42');
    expect(result.completionTokens).toBe('Answer: 42<END>'.length);
  });

  it('trims a stop string spanning GPT-2 tokens', async () => {
    const gpt2 = await createTokenizer('gpt2');
    const script = gpt2.encode('The answer is 42.\n\nQuestion: next');
    const model = new FakeModel(gpt2.vocabSize, scripted(gpt2.vocabSize, 1, script, 13));
    const { result, events } = await collect(model, gpt2, [464], { temperature: 0, stop: ['.\n\nQu'] });
    expect(result).toMatchObject({ text: 'The answer is 42', finishReason: 'stop' });
    expect(events.map((e) => e.text).join('')).toBe('The answer is 42');
  });

  it('streams deltas that concatenate to the final text, emoji split across byte tokens included', async () => {
    const script = bytes.encode('héllo 🌍 世界');
    const model = new FakeModel(BYTE_VOCAB, scripted(BYTE_VOCAB, 1, script, bytes.specialTokens.eos));
    const { result, events } = await collect(model, bytes, 'Q', { temperature: 0 });
    expect(result.text).toBe('héllo 🌍 世界');
    expect(events.map((e) => e.text).join('')).toBe(result.text);
    expect(events.some((e) => e.text.includes('\uFFFD'))).toBe(false);
    expect(events.map((e) => e.tokenId)).toEqual(result.tokenIds);
    expect(events.map((e) => e.index)).toEqual([...result.tokenIds.keys()]);
  });

  it('stops before the next model call when the signal aborts, with finish reason "cancelled"', async () => {
    const model = new FakeModel(BYTE_VOCAB, scripted(BYTE_VOCAB, 1, bytes.encode('abcdefgh'), 65));
    const controller = new AbortController();
    const { result, events } = await collect(
      model,
      bytes,
      'Q',
      { temperature: 0, maxNewTokens: 50 },
      { signal: controller.signal, onToken: (e) => e.index === 2 && controller.abort() },
    );
    expect(result).toMatchObject({ finishReason: 'cancelled', text: 'abc', completionTokens: 3 });
    expect(model.decodeSteps).toBe(2);
    expect(events.map((e) => e.text).join('')).toBe('abc');
  });

  it('does not call the model at all when already aborted', async () => {
    const model = new FakeModel(BYTE_VOCAB, hashedLogits(259, BYTE_VOCAB));
    const result = await generate(model, bytes, 'Q', {}, { signal: AbortSignal.abort() });
    expect(result).toMatchObject({ finishReason: 'cancelled', completionTokens: 0, text: '' });
    expect(model.prefills).toHaveLength(0);
  });

  it('reports timings', async () => {
    const model = new FakeModel(BYTE_VOCAB, hashedLogits(259, BYTE_VOCAB));
    const { timings } = await generate(model, bytes, 'Q', { maxNewTokens: 3 });
    expect(timings.prefillMs).toBeGreaterThanOrEqual(0);
    expect(timings.timeToFirstTokenMs).toBeGreaterThanOrEqual(timings.prefillMs);
    expect(timings.totalMs).toBeGreaterThanOrEqual(timings.timeToFirstTokenMs + timings.decodeMs - 1e-6);
  });
});

describe('GenerationSequence in a batched loop (how serving reuses it)', () => {
  it('produces exactly what generate() produces for each request alone', async () => {
    const logitsFor = hashedLogits(259, BYTE_VOCAB);
    const requests: { prompt: string; params: GenerationParamsInput }[] = [
      { prompt: 'alpha', params: { seed: 1, maxNewTokens: 9, temperature: 0.9, topK: 40 } },
      { prompt: 'be', params: { seed: 2, maxNewTokens: 4, topP: 0.8, repetitionPenalty: 1.3 } },
      { prompt: 'gamma ray', params: { temperature: 0, maxNewTokens: 12 } },
    ];
    const alone = await Promise.all(
      requests.map((r) => generate(new FakeModel(BYTE_VOCAB, logitsFor), bytes, r.prompt, r.params)),
    );

    // Continuous batching: prefill each request, then one decodeStep for every unfinished sequence per iteration,
    // dropping sequences from the batch as they finish.
    const model = new FakeModel(BYTE_VOCAB, logitsFor);
    const live = await Promise.all(requests.map((r) => admitSequence(model, bytes, r.prompt, r.params)));
    let active = live.filter((s) => !s.sequence.finished);
    while (active.length > 0) active = await decodeActive(model, active);
    live.forEach((s, i) => {
      expect(s.sequence.tokenIds).toEqual(alone[i]?.tokenIds);
      expect(s.sequence.text).toBe(alone[i]?.text);
      expect(s.sequence.finishReason).toBe(alone[i]?.finishReason);
    });
  });
});
