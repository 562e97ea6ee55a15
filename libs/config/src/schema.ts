import { bool, int, list, num, oneOf, optionalStr, str, type Tree, type TreeValue } from './fields';

// The configuration tree: sections `model`, `training`, `inference`, `system` follow the original design;
// `stack`, `services`, `auth` and `gateway` hold what the services need to find each other and the stack.
// docs/config.md is generated from this file (see docs-table.ts); keep the `doc` strings user-facing.

const MiB = 1024 * 1024;
const PORT = { min: 0, max: 65535 };

const model = {
  architecture: oneOf(['retnet', 'moe', 'multimodal'] as const, 'retnet', 'Model family built by default.'),
  vocab_size: int(50257, 'Vocabulary size (50257 for GPT-2 BPE; ≥ 256 for the byte tokenizer).', { min: 1 }),
  embed_dim: int(768, 'Hidden size of every block; divisible by num_heads.', { min: 1 }),
  num_heads: int(12, 'Retention heads per layer; the head dimension embed_dim / num_heads must be even (xPos).', {
    min: 1,
  }),
  num_layers: int(12, 'Number of RetNet blocks.', { min: 1 }),
  max_seq_len: int(2048, 'Longest sequence (prompt + generated tokens) the model accepts.', { min: 1 }),
  dropout: num(0.1, 'Dropout probability used in training.', { min: 0, lt: 1 }),
  value_factor: int(2, 'Value projection width as a multiple of embed_dim (RetNet uses 2).', { min: 1 }),
  ffn_dim: int(3072, 'Hidden size of the feed-forward network in each block.', { min: 1 }),
  tokenizer: oneOf(['byte', 'gpt2'] as const, 'gpt2', 'Tokenizer: byte-level or GPT-2 BPE.'),
  chunk_size: int(512, 'Chunk length for the chunkwise retention form (long prompts).', { min: 1 }),
  layer_norm_eps: num(1e-6, 'Epsilon of the layer and group norms.', { gt: 0, max: 0.1 }),
  num_experts: int(8, 'MoE: experts per MoE layer.', { min: 1 }),
  experts_top_k: int(2, 'MoE: experts each token is routed to; ≤ num_experts.', { min: 1 }),
  moe_aux_loss_coef: num(0.01, 'MoE: weight of the load-balancing loss in training.', { min: 0 }),
  fusion: oneOf(
    ['cross_attention', 'concat', 'gating', 'hierarchical'] as const,
    'cross_attention',
    'Multimodal: how text, vision and audio features are fused.',
  ),
  image_size: int(224, 'Multimodal: input image side in pixels; divisible by patch_size.', { min: 1 }),
  patch_size: int(16, 'Multimodal: vision patch side in pixels.', { min: 1 }),
  audio_sample_rate: int(16000, 'Multimodal: audio sample rate in Hz.', { min: 1 }),
  n_fft: int(400, 'Multimodal: STFT window length in samples.', { min: 2 }),
  hop_length: int(160, 'Multimodal: STFT hop in samples; ≤ n_fft.', { min: 1 }),
  n_mels: int(80, 'Multimodal: mel bands.', { min: 1 }),
} satisfies Tree;

const training = {
  batch_size: int(8, 'Sequences per optimizer micro-batch.', { min: 1 }),
  learning_rate: num(3e-4, 'Peak learning rate (AdamW).', { gt: 0, max: 1 }),
  weight_decay: num(0.01, 'AdamW weight decay.', { min: 0, max: 1 }),
  warmup_steps: int(100, 'Linear warm-up steps; ≤ max_steps.', { min: 0 }),
  max_steps: int(1000, 'Optimizer steps per job unless the job says otherwise.', { min: 1 }),
  gradient_accumulation_steps: int(1, 'Micro-batches accumulated per optimizer step.', { min: 1 }),
  max_grad_norm: num(1.0, 'Gradient clipping norm (0 disables clipping).', { min: 0 }),
  use_lora: bool(false, 'Fine-tune with LoRA adapters instead of full weights.'),
  lora_rank: int(8, 'LoRA rank; must be ≥ 1 when use_lora is true.', { min: 0 }),
  lora_alpha: num(16, 'LoRA scaling numerator (scale = lora_alpha / lora_rank).', { gt: 0 }),
  lora_dropout: num(0.05, 'Dropout on the LoRA input (training only).', { min: 0, lt: 1 }),
  use_fp16: bool(false, 'Mixed precision (CUDA workers only; CPU workers train in fp32).'),
  checkpoint_every_steps: int(100, 'Steps between checkpoints (resume points).', { min: 1 }),
  eval_every_steps: int(100, 'Steps between evaluation passes on the held-out split.', { min: 1 }),
  lease_seconds: int(60, 'How long a worker holds a job without a heartbeat before another may claim it.', {
    min: 5,
  }),
  heartbeat_seconds: int(10, 'Worker heartbeat interval; must be < lease_seconds.', { min: 1 }),
  max_attempts: int(3, 'Times a job is retried after a worker loses its lease or crashes.', { min: 1 }),
  workers: int(1, 'PyTorch worker processes started by the training service (0: external workers only).', {
    min: 0,
    max: 64,
  }),
  python: str('python3', 'Python interpreter used to start workers (e.g. the virtual environment’s python).'),
  torch_threads: int(0, 'CPU threads per PyTorch worker (0: PyTorch’s default, one per core).', { min: 0, max: 256 }),
} satisfies Tree;

const inference = {
  max_new_tokens: int(256, 'Default and upper limit of tokens generated per request; ≤ model.max_seq_len.', {
    min: 1,
  }),
  temperature: num(1.0, 'Default sampling temperature (0 = greedy).', { min: 0, max: 10 }),
  top_p: num(1.0, 'Default nucleus sampling mass.', { gt: 0, max: 1 }),
  top_k: int(0, 'Default top-k (0 disables).', { min: 0 }),
  repetition_penalty: num(1.0, 'Default repetition penalty (1 disables).', { gt: 0, max: 10 }),
  stream_chunk_size: int(1, 'Tokens per streamed chunk.', { min: 1 }),
  max_batch_size: int(8, 'Requests decoded together in one batch step.', { min: 1 }),
  max_queue: int(64, 'Waiting requests before new ones are refused as overloaded.', { min: 0 }),
  batch_wait_ms: int(2, 'How long the scheduler waits to fill a batch.', { min: 0, max: 10000 }),
  request_timeout_ms: int(120000, 'Deadline of one generation request.', { min: 1 }),
  prefix_cache_bytes: int(256 * MiB, 'Memory for cached prompt-prefix recurrent states (0 disables).', { min: 0 }),
  default_model: str('retnet-default', 'Model (name or alias) used when a request names none.'),
} satisfies Tree;

const system = {
  device: oneOf(
    ['auto', 'cpu', 'cuda', 'webgpu'] as const,
    'auto',
    'Execution provider; auto picks the best available.',
  ),
  log_level: oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const, 'info', 'Minimum log level.'),
  intra_op_threads: int(0, 'onnxruntime threads within an operator (0 = onnxruntime default).', { min: 0 }),
  inter_op_threads: int(0, 'onnxruntime threads across operators (0 = onnxruntime default).', { min: 0 }),
  artifact_dir: str(
    '.stack/artifacts',
    'Where model artifacts and checkpoints are stored; relative paths resolve against the config file’s folder (or the working directory).',
  ),
  seed: int(42, 'Seed for reproducible sampling and training.', { min: 0 }),
  seed_default_model: bool(
    true,
    'Model registry: at start-up, register a small seeded-random RetNet under inference.default_model when that alias does not resolve.',
  ),
  environment: oneOf(['development', 'production', 'test'] as const, 'development', 'Deployment environment.'),
} satisfies Tree;

const HOST_PORT = { pattern: /^[A-Za-z0-9.-]+:\d{1,5}$/, describe: 'host:port' };

const stack = {
  kafka_brokers: list(['127.0.0.1:9092'], 'Kafka bootstrap brokers.', HOST_PORT),
  mongo_url: str('mongodb://127.0.0.1:27017/neuroforge', 'MongoDB (or FerretDB) connection string.', {
    pattern: /^mongodb(\+srv)?:\/\/.+/,
    describe: 'a mongodb:// or mongodb+srv:// URL',
  }),
  // A bounded pool per process: FerretDB slows down and then hangs when clients open hundreds of connections.
  mongo_pool_size: int(10, 'Most MongoDB connections one service process opens (pool bound).', { min: 1, max: 500 }),
  redis_url: str('redis://127.0.0.1:6379', 'Redis URL.', {
    pattern: /^rediss?:\/\/.+/,
    describe: 'a redis:// or rediss:// URL',
  }),
  postgres_url: str('postgres://postgres@127.0.0.1:5432/neuroforge', 'PostgreSQL (with pgvector) URL.', {
    pattern: /^postgres(ql)?:\/\/.+/,
    describe: 'a postgres:// or postgresql:// URL',
  }),
  otlp_endpoint: str('http://127.0.0.1:4317', 'OTLP gRPC endpoint traces are exported to (Jaeger).', {
    pattern: /^https?:\/\/.+/,
    describe: 'an http:// or https:// URL',
  }),
  tracing_enabled: bool(true, 'Export traces; false keeps context propagation but exports nothing.'),
  trace_sample_ratio: num(1, 'Fraction of new traces sampled (parent decisions are always followed).', {
    min: 0,
    max: 1,
  }),
  kafka_client_id: str('neuroforge', 'Prefix of Kafka client ids (the service name is appended).'),
} satisfies Tree;

function service(host: string, grpcPort: number, httpPort: number, metricsPort: number) {
  return {
    host: str(host, 'Address the service binds to and is reached at.'),
    grpc_port: int(grpcPort, 'gRPC port (0: no gRPC server).', PORT),
    http_port: int(httpPort, 'HTTP port (gateway: the public API; others: health and /metrics).', PORT),
    metrics_port: int(metricsPort, 'Port serving /health/live, /health/ready and /metrics.', PORT),
  } satisfies Tree;
}

const services = {
  gateway: service('127.0.0.1', 0, 8000, 9101),
  auth: service('127.0.0.1', 50051, 9102, 9102),
  model_registry: service('127.0.0.1', 50052, 9103, 9103),
  inference: service('127.0.0.1', 50053, 9104, 9104),
  training: service('127.0.0.1', 50054, 9105, 9105),
  embeddings: service('127.0.0.1', 50055, 9106, 9106),
} satisfies Tree;

const auth = {
  issuer: str('neuroforge', 'JWT `iss` claim.'),
  audience: str('neuroforge-api', 'JWT `aud` claim.'),
  access_token_ttl_seconds: int(900, 'Access token lifetime.', { min: 1 }),
  refresh_token_ttl_seconds: int(30 * 24 * 3600, 'Refresh token lifetime.', { min: 1 }),
  signing_key_rotation_hours: int(24 * 7, 'Age after which a new signing key is generated.', { min: 1 }),
  jwks_cache_seconds: int(300, 'How long the gateway caches the JWKS.', { min: 0 }),
  bootstrap_admin_email: optionalStr(
    'Email whose account is created with role admin (empty: every account starts as viewer).',
    {
      pattern: /^[^@\s]+@[^@\s]+$/,
      describe: 'an email address',
    },
  ),
  signing_key_secret: optionalStr(
    'Secret that encrypts the JWT signing keys at rest (empty: a fixed development secret; required in production).',
    { pattern: /^.{32,}$/, describe: 'a string of at least 32 characters' },
  ),
} satisfies Tree;

const gateway = {
  rate_limit_per_minute: int(600, 'Requests per minute per API key or user (0 disables).', { min: 0 }),
  tokens_per_minute: int(100_000, 'Generated tokens per minute per API key or user (0 disables).', { min: 0 }),
  rate_limit_window_seconds: int(
    60,
    'Rate-limit window; both per-minute limits are scaled to it (tests use a few seconds).',
    { min: 1, max: 3600 },
  ),
  max_body_bytes: int(10 * MiB, 'Largest accepted request body.', { min: 1024 }),
  cors_origins: list(['http://127.0.0.1:8000'], 'Allowed CORS origins (`*` allows any).', {
    pattern: /^(\*|https?:\/\/.+)$/,
    describe: 'origins such as http://host:port, or *',
  }),
  trace_redis_commands: bool(
    false,
    'Trace each gateway Redis command (the admission check, token charges) as its own span; off, requests keep their HTTP and gRPC spans without that per-request cost.',
  ),
} satisfies Tree;

export const configTree = { model, training, inference, system, stack, services, auth, gateway } satisfies Tree;

export type NeuroForgeConfig = TreeValue<typeof configTree>;
export type ServiceKey = keyof NeuroForgeConfig['services'];
export type ServiceEndpoints = NeuroForgeConfig['services'][ServiceKey];
