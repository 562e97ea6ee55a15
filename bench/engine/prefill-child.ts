// One prefill measurement in its own process (run under a memory cap by run.ts): builds only the form it measures
// and prints one JSON line. A parallel pass over 8192 tokens materialises [H, T, T] score tensors (2 GiB each) and
// may not fit; running it here lets the parent record that instead of losing the whole benchmark.
import { buildRetNetGraph, EngineSession, initRetNetWeights, int64, prepareRetNet, stateInName } from '@neuroforge/ml';
import { benchRetNetConfig, PREFILL_CHUNK, randomTokens, THREADS, timeMedian } from './shared';

async function main(): Promise<void> {
  const form = process.argv[2] as 'parallel' | 'chunkwise';
  const length = Number(process.argv[3]);
  const config = benchRetNetConfig;
  const prepared = prepareRetNet(config, initRetNetWeights(config, 1));
  const session = await EngineSession.create(buildRetNetGraph(prepared, form, { logits: 'last' }), {
    device: 'cpu',
    intraOpThreads: THREADS,
    log: () => {},
  });
  const tokens = randomTokens(length, config.vocab_size, 42);
  const { H, dk, dv, L } = prepared.dims;
  const run = async () => {
    if (form === 'parallel') return session.run({ tokens: int64(tokens, [1, length]) }, ['logits']);
    // Chunkwise: the runtime loop the model uses, state carried between chunks.
    let states = Object.fromEntries(
      Array.from({ length: L }, (_, i) => [
        stateInName(i),
        { type: 'float32' as const, data: new Float32Array(H * dk * (dv + 1)), dims: [1, H, dk, dv + 1] },
      ]),
    );
    for (let s = 0; s < length; s += PREFILL_CHUNK) {
      const chunk = tokens.slice(s, s + PREFILL_CHUNK);
      const out = await session.run({ tokens: int64(chunk, [1, chunk.length]), start: int64([s], [1]), ...states });
      states = Object.fromEntries(
        Array.from({ length: L }, (_, i) => [stateInName(i), out[`state_out_${i}`]]),
      ) as typeof states;
    }
    return states;
  };
  // Long prompts: one timed pass (a warmup would double a ~minute-long run); short ones: warmup + median of 3.
  const long = length > 1024;
  const ms = await timeMedian(run, long ? 0 : 1, long ? 1 : 3);
  process.stdout.write(
    `${JSON.stringify({ ok: true, ms, tokensPerSecond: (length / ms) * 1000, rssBytes: process.memoryUsage().rss })}\n`,
  );
  await session.dispose();
}

main().catch((err: unknown) => {
  process.stdout.write(
    `${JSON.stringify({ ok: false, error: err instanceof Error ? err.message.split('\n')[0] : String(err) })}\n`,
  );
  process.exit(1);
});
