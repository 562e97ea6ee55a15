// Tokenizer registry: a model's config.json names its tokenizer (`"tokenizer": "byte" | "gpt2"`) and the engine
// builds it here. Creation is async because GPT-2's ranks are loaded lazily, only when a GPT-2 model needs them.
import { ByteTokenizer } from './byte-tokenizer';
import { Gpt2Tokenizer } from './gpt2-tokenizer';
import type { Tokenizer } from './tokenizer';

const FACTORIES: Readonly<Record<string, () => Promise<Tokenizer>>> = {
  byte: async () => new ByteTokenizer(),
  gpt2: () => Gpt2Tokenizer.load(),
};

/** The tokenizer ids `createTokenizer` accepts. */
export const TOKENIZER_IDS: readonly string[] = Object.keys(FACTORIES);

const cache = new Map<string, Promise<Tokenizer>>();

/** Returns the tokenizer with this id (tokenizers are immutable, so one instance per id is shared). */
export function createTokenizer(id: string): Promise<Tokenizer> {
  const factory = Object.hasOwn(FACTORIES, id) ? FACTORIES[id] : undefined;
  if (factory === undefined) {
    return Promise.reject(
      new Error(`unknown tokenizer "${id}": set the model config's "tokenizer" to one of ${TOKENIZER_IDS.join(', ')}`),
    );
  }
  let created = cache.get(id);
  if (created === undefined) {
    created = factory();
    // A failed load must not poison the cache for later attempts.
    created.catch(() => cache.delete(id));
    cache.set(id, created);
  }
  return created;
}
