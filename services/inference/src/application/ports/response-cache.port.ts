// Finished outputs of deterministic requests (greedy, or a fixed seed), keyed by model version + prompt + params.
export interface CachedResponse {
  readonly text: string;
  readonly tokenIds: readonly number[];
  readonly finishReason: 'length' | 'stop' | 'eos';
  readonly promptTokens: number;
}

export interface ResponseCache {
  /** undefined on a miss or when the cache cannot answer (a cache outage never fails a request). */
  get(key: string): Promise<CachedResponse | undefined>;
  set(key: string, value: CachedResponse): Promise<void>;
}

export const RESPONSE_CACHE = Symbol('RESPONSE_CACHE');
