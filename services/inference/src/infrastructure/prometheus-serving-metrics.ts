// Serving metrics in the spirit of vLLM's, on the process's Prometheus registry (the one /metrics serves):
// latency histograms (time to first token, inter-token, end to end, queue), load gauges (running, waiting,
// batch size), counters (tokens, prefix-cache and response-cache lookups, finished requests by reason).
// Every series carries `model` (the model name) and `version`; MoE models add per-expert load
// (`neuroforge_moe_expert_tokens_total{model,layer,expert}`), drained from the engine after every engine call.
import type { FinishReason } from '@neuroforge/ml';
import { metricsRegistry } from '@neuroforge/telemetry';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { SchedulerMetrics } from '../application/batch-scheduler';
import type { ExpertLoadSource } from '../application/ports/model-loader.port';
import type { ServingMetrics } from '../application/ports/serving-metrics.port';

const LABELS = ['model', 'version'] as const;
type Label = (typeof LABELS)[number];
const LATENCY = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const BATCH = [1, 2, 4, 8, 16, 32, 64, 128];

function metric<T>(name: string, create: () => T): T {
  return (metricsRegistry.getSingleMetric(name) as T | undefined) ?? create();
}

const registers = [metricsRegistry];

export class PrometheusServingMetrics implements ServingMetrics {
  readonly ttft = metric(
    'neuroforge_inference_time_to_first_token_seconds',
    () =>
      new Histogram({
        name: 'neuroforge_inference_time_to_first_token_seconds',
        help: 'Arrival of a request at the scheduler to its first generated token, in seconds.',
        labelNames: LABELS,
        buckets: LATENCY,
        registers,
      }),
  );
  readonly itl = metric(
    'neuroforge_inference_inter_token_latency_seconds',
    () =>
      new Histogram({
        name: 'neuroforge_inference_inter_token_latency_seconds',
        help: 'Time between two consecutive tokens of one request, in seconds.',
        labelNames: LABELS,
        buckets: LATENCY,
        registers,
      }),
  );
  readonly e2e = metric(
    'neuroforge_inference_e2e_request_latency_seconds',
    () =>
      new Histogram({
        name: 'neuroforge_inference_e2e_request_latency_seconds',
        help: 'Arrival of a request at the scheduler to its end, in seconds.',
        labelNames: LABELS,
        buckets: LATENCY,
        registers,
      }),
  );
  readonly queue = metric(
    'neuroforge_inference_queue_time_seconds',
    () =>
      new Histogram({
        name: 'neuroforge_inference_queue_time_seconds',
        help: 'Time a request waited before its prefill started, in seconds.',
        labelNames: LABELS,
        buckets: LATENCY,
        registers,
      }),
  );
  readonly batchSteps = metric(
    'neuroforge_inference_decode_batch_size',
    () =>
      new Histogram({
        name: 'neuroforge_inference_decode_batch_size',
        help: 'Sequences in each batched decode step.',
        labelNames: LABELS,
        buckets: BATCH,
        registers,
      }),
  );
  readonly running = metric(
    'neuroforge_inference_requests_running',
    () =>
      new Gauge({
        name: 'neuroforge_inference_requests_running',
        help: 'Requests in the decode batch.',
        labelNames: LABELS,
        registers,
      }),
  );
  readonly waiting = metric(
    'neuroforge_inference_requests_waiting',
    () =>
      new Gauge({
        name: 'neuroforge_inference_requests_waiting',
        help: 'Requests admitted but not decoding yet (queued or prefilling).',
        labelNames: LABELS,
        registers,
      }),
  );
  readonly batchSize = metric(
    'neuroforge_inference_batch_size',
    () =>
      new Gauge({
        name: 'neuroforge_inference_batch_size',
        help: 'Sequences in the latest decode step.',
        labelNames: LABELS,
        registers,
      }),
  );
  readonly generated = metric(
    'neuroforge_inference_generation_tokens_total',
    () =>
      new Counter({
        name: 'neuroforge_inference_generation_tokens_total',
        help: 'Tokens generated.',
        labelNames: LABELS,
        registers,
      }),
  );
  readonly prompt = metric(
    'neuroforge_inference_prompt_tokens_total',
    () =>
      new Counter({
        name: 'neuroforge_inference_prompt_tokens_total',
        help: 'Prompt tokens of admitted requests.',
        labelNames: LABELS,
        registers,
      }),
  );
  readonly prefix = metric(
    'neuroforge_inference_prefix_cache_queries_total',
    () =>
      new Counter({
        name: 'neuroforge_inference_prefix_cache_queries_total',
        help: 'Prefix-cache lookups for prompts long enough to have a cacheable prefix, by result (hit|miss).',
        labelNames: [...LABELS, 'result'],
        registers,
      }),
  );
  readonly responses = metric(
    'neuroforge_inference_response_cache_queries_total',
    () =>
      new Counter({
        name: 'neuroforge_inference_response_cache_queries_total',
        help: 'Response-cache (Redis) lookups of deterministic requests, by result (hit|miss).',
        labelNames: ['model', 'result'],
        registers,
      }),
  );
  readonly finished = metric(
    'neuroforge_inference_requests_finished_total',
    () =>
      new Counter({
        name: 'neuroforge_inference_requests_finished_total',
        help: 'Requests finished, by finish reason (length|eos|stop|cancelled).',
        labelNames: [...LABELS, 'finish_reason'],
        registers,
      }),
  );

  readonly expertTokens = metric(
    'neuroforge_moe_expert_tokens_total',
    () =>
      new Counter({
        name: 'neuroforge_moe_expert_tokens_total',
        help:
          'Tokens an MoE layer routed to each expert (one per token and chosen expert: prompt tokens at prefill, ' +
          'one per sequence per decode step), by model, layer and expert.',
        labelNames: ['model', 'layer', 'expert'],
        registers,
      }),
  );

  forModel(name: string, version: number, expertLoad?: ExpertLoadSource): SchedulerMetrics {
    const l: Record<Label, string> = { model: name, version: String(version) };
    this.running.set(l, 0);
    this.waiting.set(l, 0);
    this.batchSize.set(l, 0);
    return {
      queueTime: (ms) => this.queue.observe(l, ms / 1000),
      timeToFirstToken: (ms) => this.ttft.observe(l, ms / 1000),
      interTokenLatency: (ms) => this.itl.observe(l, ms / 1000),
      e2eLatency: (ms) => this.e2e.observe(l, ms / 1000),
      tokensGenerated: (n) => this.generated.inc(l, n),
      promptTokens: (n) => this.prompt.inc(l, n),
      prefixCache: (hit) => this.prefix.inc({ ...l, result: hit ? 'hit' : 'miss' }),
      decodeStep: (size) => {
        this.batchSteps.observe(l, size);
        this.batchSize.set(l, size);
      },
      load: (running, waiting) => {
        this.running.set(l, running);
        this.waiting.set(l, waiting);
        if (running === 0) this.batchSize.set(l, 0);
      },
      finished: (reason: FinishReason) => this.finished.inc({ ...l, finish_reason: reason }),
      ...(expertLoad
        ? {
            engineRan: () => {
              for (const s of expertLoad.drain()) {
                this.expertTokens.inc({ model: name, layer: String(s.layer), expert: String(s.expert) }, s.tokens);
              }
            },
          }
        : {}),
    };
  }

  removeModel(name: string, version: number): void {
    const l = { model: name, version: String(version) };
    for (const gauge of [this.running, this.waiting, this.batchSize]) gauge.remove(l);
  }

  responseCache(name: string, hit: boolean): void {
    this.responses.inc({ model: name, result: hit ? 'hit' : 'miss' });
  }
}
