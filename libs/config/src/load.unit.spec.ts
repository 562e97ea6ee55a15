import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, grpcAddress, loadConfig, serviceConfig } from './index';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nf-config-'));
  dirs.push(dir);
  return dir;
}
function withFile(yaml: string, name = 'config.yaml'): { dir: string; file: string } {
  const dir = tempDir();
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return { dir, file };
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('defaults', () => {
  it('match the documented contract when no file or env is given', () => {
    const c = loadConfig({ env: {}, cwd: tempDir() });
    expect(c.stack).toMatchObject({
      kafka_brokers: ['127.0.0.1:9092'],
      mongo_url: 'mongodb://127.0.0.1:27017/neuroforge',
      redis_url: 'redis://127.0.0.1:6379',
      postgres_url: 'postgres://postgres@127.0.0.1:5432/neuroforge',
      otlp_endpoint: 'http://127.0.0.1:4317',
      tracing_enabled: true,
    });
    expect(c.services.gateway).toEqual({ host: '127.0.0.1', grpc_port: 0, http_port: 8000, metrics_port: 9101 });
    expect([
      c.services.auth.grpc_port,
      c.services.model_registry.grpc_port,
      c.services.inference.grpc_port,
      c.services.training.grpc_port,
      c.services.embeddings.grpc_port,
    ]).toEqual([50051, 50052, 50053, 50054, 50055]);
    expect(c.services.embeddings.metrics_port).toBe(9106);
    expect(c.inference.default_model).toBe('retnet-default');
    expect(c.system.log_level).toBe('info');
  });

  it('defaultConfig ignores process.env', () => {
    process.env.NEUROFORGE_INFERENCE__TOP_K = '7';
    try {
      expect(defaultConfig().inference.top_k).toBe(0);
    } finally {
      delete process.env.NEUROFORGE_INFERENCE__TOP_K;
    }
  });

  it('returns independent objects (mutating one load does not leak into the next)', () => {
    const a = loadConfig({ env: {}, cwd: tempDir() });
    a.stack.kafka_brokers.push('x:1');
    expect(loadConfig({ env: {}, cwd: tempDir() }).stack.kafka_brokers).toEqual(['127.0.0.1:9092']);
  });
});

describe('stack.mongo_pool_size', () => {
  it('bounds each service’s MongoDB pool at 10 unless configured', () => {
    expect(loadConfig({ env: {}, cwd: tempDir() }).stack.mongo_pool_size).toBe(10);
    const { dir } = withFile('stack:\n  mongo_pool_size: 4\n');
    expect(loadConfig({ env: {}, cwd: dir }).stack.mongo_pool_size).toBe(4);
    expect(loadConfig({ env: { NEUROFORGE_STACK__MONGO_POOL_SIZE: '25' }, cwd: dir }).stack.mongo_pool_size).toBe(25);
  });

  it('refuses an unbounded or empty pool', () => {
    const zero = configError(() => loadConfig({ env: { NEUROFORGE_STACK__MONGO_POOL_SIZE: '0' }, cwd: tempDir() }));
    expect(zero).toMatchObject({ key: 'stack.mongo_pool_size', value: 0, allowed: 'must be an integer ≥ 1 and ≤ 500' });
    const huge = configError(() => loadConfig({ env: { NEUROFORGE_STACK__MONGO_POOL_SIZE: '5000' }, cwd: tempDir() }));
    expect(huge.key).toBe('stack.mongo_pool_size');
  });
});

describe('precedence: default < config.yaml < env', () => {
  it('a file value overrides the default', () => {
    const { file } = withFile('inference:\n  top_p: 0.8\n');
    expect(loadConfig({ env: {}, file }).inference.top_p).toBe(0.8);
  });

  it('an env value overrides the file value', () => {
    const { file } = withFile('inference:\n  top_p: 0.8\n  top_k: 5\n');
    const c = loadConfig({ env: { NEUROFORGE_INFERENCE__TOP_P: '0.9' }, file });
    expect(c.inference.top_p).toBe(0.9);
    expect(c.inference.top_k).toBe(5);
  });

  it('finds config.yaml in cwd when no file is named', () => {
    const { dir } = withFile('system:\n  log_level: debug\n');
    expect(loadConfig({ env: {}, cwd: dir }).system.log_level).toBe('debug');
  });

  it('NEUROFORGE_CONFIG names the file', () => {
    const { file } = withFile('system:\n  seed: 7\n', 'other.yaml');
    expect(loadConfig({ env: { NEUROFORGE_CONFIG: file }, cwd: tempDir() }).system.seed).toBe(7);
  });

  it('opts.file wins over NEUROFORGE_CONFIG', () => {
    const a = withFile('system:\n  seed: 1\n');
    const b = withFile('system:\n  seed: 2\n');
    expect(loadConfig({ env: { NEUROFORGE_CONFIG: a.file }, file: b.file }).system.seed).toBe(2);
  });

  it('an empty section in the file keeps the defaults', () => {
    const { file } = withFile('model:\n# nothing yet\n');
    expect(loadConfig({ env: {}, file }).model.embed_dim).toBe(768);
  });
});

describe('env coercion', () => {
  it('turns strings into numbers, booleans and lists, including nested service keys', () => {
    const c = loadConfig({
      cwd: tempDir(),
      env: {
        NEUROFORGE_TRAINING__LEARNING_RATE: '1e-4',
        NEUROFORGE_TRAINING__USE_LORA: 'true',
        NEUROFORGE_TRAINING__USE_FP16: '1',
        NEUROFORGE_STACK__TRACING_ENABLED: '0',
        NEUROFORGE_STACK__KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093',
        NEUROFORGE_SERVICES__MODEL_REGISTRY__GRPC_PORT: '6000',
        NEUROFORGE_INFERENCE__DEFAULT_MODEL: 'tiny',
        UNRELATED: 'ignored',
      },
    });
    expect(c.training.learning_rate).toBe(1e-4);
    expect(c.training.use_lora).toBe(true);
    expect(c.training.use_fp16).toBe(true);
    expect(c.stack.tracing_enabled).toBe(false);
    expect(c.stack.kafka_brokers).toEqual(['127.0.0.1:9092', '127.0.0.1:9093']);
    expect(serviceConfig(c, 'model-registry').grpc_port).toBe(6000);
    expect(grpcAddress(c, 'model-registry')).toBe('127.0.0.1:6000');
    expect(c.inference.default_model).toBe('tiny');
  });

  it('accepts a comma-separated string for a list in the file too', () => {
    const { file } = withFile('stack:\n  kafka_brokers: "a:1,b:2"\n');
    expect(loadConfig({ env: {}, file }).stack.kafka_brokers).toEqual(['a:1', 'b:2']);
  });
});

describe('errors name the key, the value, what is allowed and where it came from', () => {
  it('out of range (env)', () => {
    const err = configError(() => loadConfig({ env: { NEUROFORGE_INFERENCE__TOP_P: '1.5' }, cwd: tempDir() }));
    expect(err.message).toBe(
      'inference.top_p = 1.5 is invalid: must be > 0 and ≤ 1 (set by NEUROFORGE_INFERENCE__TOP_P)',
    );
    expect(err).toMatchObject({ key: 'inference.top_p', value: 1.5, allowed: 'must be > 0 and ≤ 1' });
  });

  it('a dropout of 1 (exclusive upper bound)', () => {
    const err = configError(() => loadConfig({ env: { NEUROFORGE_TRAINING__LORA_DROPOUT: '1' }, cwd: tempDir() }));
    expect(err).toMatchObject({ key: 'training.lora_dropout', value: 1, allowed: 'must be ≥ 0 and < 1' });
    expect(
      loadConfig({ env: { NEUROFORGE_TRAINING__LORA_DROPOUT: '0.99' }, cwd: tempDir() }).training.lora_dropout,
    ).toBe(0.99);
  });

  it('wrong type (env)', () => {
    const err = configError(() => loadConfig({ env: { NEUROFORGE_TRAINING__BATCH_SIZE: 'eight' }, cwd: tempDir() }));
    expect(err).toMatchObject({
      key: 'training.batch_size',
      value: 'eight',
      source: 'NEUROFORGE_TRAINING__BATCH_SIZE',
    });
    expect(err.allowed).toBe('must be an integer ≥ 1');
  });

  it('not an integer', () => {
    const err = configError(() => loadConfig({ env: { NEUROFORGE_MODEL__NUM_LAYERS: '2.5' }, cwd: tempDir() }));
    expect(err).toMatchObject({ key: 'model.num_layers', value: 2.5 });
  });

  it('bad boolean (env)', () => {
    const err = configError(() => loadConfig({ env: { NEUROFORGE_TRAINING__USE_LORA: 'yes' }, cwd: tempDir() }));
    expect(err).toMatchObject({ key: 'training.use_lora', value: 'yes' });
    expect(err.allowed).toContain('true or false');
  });

  it('wrong type (file) reports the file and line', () => {
    const { file } = withFile('model:\n  embed_dim: 512\n  num_layers: "many"\n');
    const err = configError(() => loadConfig({ env: {}, file }));
    expect(err).toMatchObject({ key: 'model.num_layers', value: 'many', source: `${file}:3` });
  });

  it('bad enum value', () => {
    const err = configError(() => loadConfig({ env: { NEUROFORGE_SYSTEM__DEVICE: 'tpu' }, cwd: tempDir() }));
    expect(err.message).toBe(
      'system.device = "tpu" is invalid: must be one of auto, cpu, cuda, webgpu (set by NEUROFORGE_SYSTEM__DEVICE)',
    );
  });

  it('bad list item', () => {
    const err = configError(() =>
      loadConfig({ env: { NEUROFORGE_STACK__KAFKA_BROKERS: 'a:1,nohost' }, cwd: tempDir() }),
    );
    expect(err).toMatchObject({ key: 'stack.kafka_brokers', value: ['a:1', 'nohost'] });
  });

  it('bad URL scheme', () => {
    const err = configError(() => loadConfig({ env: { NEUROFORGE_STACK__REDIS_URL: 'http://x' }, cwd: tempDir() }));
    expect(err.allowed).toBe('must be a redis:// or rediss:// URL');
  });

  it('unknown key in the file, with a suggestion', () => {
    const { file } = withFile('inference:\n  top_pp: 0.5\n');
    const err = configError(() => loadConfig({ env: {}, file }));
    expect(err).toMatchObject({ key: 'inference.top_pp', value: 0.5, source: `${file}:2` });
    expect(err.allowed).toContain('did you mean inference.top_p?');
  });

  it('unknown section in the file', () => {
    const { file } = withFile('modle:\n  embed_dim: 5\n');
    const err = configError(() => loadConfig({ env: {}, file }));
    expect(err.key).toBe('modle');
    expect(err.allowed).toContain('did you mean model?');
  });

  it('a section that is not a mapping', () => {
    const { file } = withFile('model: 5\n');
    expect(configError(() => loadConfig({ env: {}, file })).key).toBe('model');
  });

  it('a file that is not a mapping', () => {
    const { file } = withFile('- a\n- b\n');
    expect(configError(() => loadConfig({ env: {}, file })).key).toBe('(top level)');
  });

  it('unknown NEUROFORGE_ variable', () => {
    const err = configError(() => loadConfig({ env: { NEUROFORGE_INFERENCE__TOPP: '0.5' }, cwd: tempDir() }));
    expect(err).toMatchObject({ key: 'inference.topp', value: '0.5', source: 'NEUROFORGE_INFERENCE__TOPP' });
    expect(err.allowed).toContain('did you mean NEUROFORGE_INFERENCE__TOP_P?');
  });

  it('a NEUROFORGE_ variable naming a section rather than a key', () => {
    const err = configError(() => loadConfig({ env: { NEUROFORGE_SERVICES__AUTH: '1' }, cwd: tempDir() }));
    expect(err.source).toBe('NEUROFORGE_SERVICES__AUTH');
    expect(err.allowed).toContain('names a section');
  });

  it('a NEUROFORGE_ variable with a single underscore separator', () => {
    const err = configError(() => loadConfig({ env: { NEUROFORGE_LOG_LEVEL: 'debug' }, cwd: tempDir() }));
    expect(err.source).toBe('NEUROFORGE_LOG_LEVEL');
  });

  it('bad YAML', () => {
    const { file } = withFile('model:\n  embed_dim: [1, 2\n');
    const err = configError(() => loadConfig({ env: {}, file }));
    expect(err.key).toBe('config_file');
    expect(err.allowed).toMatch(/^must be valid YAML/);
    expect(err.source).toContain(file);
  });

  it('duplicate keys in YAML', () => {
    const { file } = withFile('system:\n  seed: 1\n  seed: 2\n');
    expect(configError(() => loadConfig({ env: {}, file })).allowed).toMatch(/^must be valid YAML/);
  });

  it('a missing file given explicitly', () => {
    const missing = join(tempDir(), 'nope.yaml');
    const err = configError(() => loadConfig({ env: {}, file: missing }));
    expect(err).toMatchObject({ key: 'config_file', value: missing, allowed: 'must be an existing YAML file' });
  });

  it('a missing file named by NEUROFORGE_CONFIG', () => {
    const missing = join(tempDir(), 'nope.yaml');
    const err = configError(() => loadConfig({ env: { NEUROFORGE_CONFIG: missing }, cwd: tempDir() }));
    expect(err.source).toBe('NEUROFORGE_CONFIG');
  });

  it('reports every problem at once', () => {
    const err = configError(() =>
      loadConfig({
        env: { NEUROFORGE_INFERENCE__TOP_P: '2', NEUROFORGE_SYSTEM__LOG_LEVEL: 'loud' },
        cwd: tempDir(),
      }),
    );
    expect(err.issues.map((i) => i.key).sort()).toEqual(['inference.top_p', 'system.log_level']);
    expect(err.message).toContain('2 configuration problems');
  });
});

describe('cross-field rules', () => {
  const cases: [string, Record<string, string>, string, string][] = [
    ['embed_dim divisible by num_heads', { NEUROFORGE_MODEL__NUM_HEADS: '7' }, 'model.embed_dim', 'divisible'],
    [
      'even head dimension',
      { NEUROFORGE_MODEL__EMBED_DIM: '36', NEUROFORGE_MODEL__NUM_HEADS: '4' },
      'model.embed_dim',
      'even head dimension',
    ],
    [
      'lora_rank ≥ 1 when use_lora',
      { NEUROFORGE_TRAINING__USE_LORA: 'true', NEUROFORGE_TRAINING__LORA_RANK: '0' },
      'training.lora_rank',
      'use_lora',
    ],
    ['warmup ≤ max_steps', { NEUROFORGE_TRAINING__WARMUP_STEPS: '2000' }, 'training.warmup_steps', 'max_steps'],
    ['heartbeat < lease', { NEUROFORGE_TRAINING__HEARTBEAT_SECONDS: '60' }, 'training.heartbeat_seconds', 'lease'],
    ['vocab fits the tokenizer', { NEUROFORGE_MODEL__VOCAB_SIZE: '1000' }, 'model.vocab_size', 'gpt2'],
    ['experts_top_k ≤ num_experts', { NEUROFORGE_MODEL__EXPERTS_TOP_K: '9' }, 'model.experts_top_k', 'num_experts'],
    ['image divisible by patch', { NEUROFORGE_MODEL__PATCH_SIZE: '15' }, 'model.image_size', 'patch_size'],
    ['hop ≤ n_fft', { NEUROFORGE_MODEL__HOP_LENGTH: '500' }, 'model.hop_length', 'n_fft'],
    [
      'max_new_tokens ≤ max_seq_len',
      { NEUROFORGE_INFERENCE__MAX_NEW_TOKENS: '4096' },
      'inference.max_new_tokens',
      'max_seq_len',
    ],
    [
      'no two services on one port',
      { NEUROFORGE_SERVICES__INFERENCE__GRPC_PORT: '50051' },
      'services.inference.grpc_port',
      'already taken by services.auth.grpc_port',
    ],
  ];
  for (const [name, env, key, text] of cases) {
    it(name, () => {
      const err = configError(() => loadConfig({ env, cwd: tempDir() }));
      expect(err.key).toBe(key);
      expect(err.allowed).toContain(text);
    });
  }

  it('names where the other key of a broken rule was set', () => {
    const err = configError(() => loadConfig({ env: { NEUROFORGE_MODEL__NUM_HEADS: '7' }, cwd: tempDir() }));
    expect(err.source).toBe('default; model.num_heads set by NEUROFORGE_MODEL__NUM_HEADS');
  });

  it('lora_rank 0 is fine without LoRA, and port 0 may repeat', () => {
    const c = loadConfig({
      cwd: tempDir(),
      env: {
        NEUROFORGE_TRAINING__LORA_RANK: '0',
        NEUROFORGE_SERVICES__AUTH__GRPC_PORT: '0',
        NEUROFORGE_SERVICES__INFERENCE__GRPC_PORT: '0',
      },
    });
    expect(c.training.lora_rank).toBe(0);
  });
});

describe('paths and services', () => {
  it('resolves a relative artifact_dir against the config file folder', () => {
    const { dir, file } = withFile('system:\n  artifact_dir: ./artifacts\n');
    expect(loadConfig({ env: {}, file, cwd: tempDir() }).system.artifact_dir).toBe(join(dir, 'artifacts'));
  });

  it('resolves the default artifact_dir against cwd', () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'sub'));
    expect(loadConfig({ env: {}, cwd }).system.artifact_dir).toBe(join(cwd, '.stack/artifacts'));
  });

  it('seeds the default model unless system.seed_default_model is turned off', () => {
    expect(loadConfig({ env: {}, cwd: tempDir() }).system.seed_default_model).toBe(true);
    const env = { NEUROFORGE_SYSTEM__SEED_DEFAULT_MODEL: 'false' };
    expect(loadConfig({ env, cwd: tempDir() }).system.seed_default_model).toBe(false);
  });

  it('gateway has no gRPC address', () => {
    expect(() => grpcAddress(defaultConfig(), 'gateway')).toThrow(/no gRPC port/);
  });
});

describe('optional auth secrets', () => {
  it('are empty by default and accept a valid value', () => {
    const cwd = tempDir();
    expect(loadConfig({ env: {}, cwd }).auth).toMatchObject({ bootstrap_admin_email: '', signing_key_secret: '' });
    const c = loadConfig({
      env: {
        NEUROFORGE_AUTH__BOOTSTRAP_ADMIN_EMAIL: 'root@example.com',
        NEUROFORGE_AUTH__SIGNING_KEY_SECRET: 'x'.repeat(32),
      },
      cwd,
    });
    expect(c.auth.bootstrap_admin_email).toBe('root@example.com');
  });

  it('refuse a malformed email and a short secret', () => {
    const err = configError(() =>
      loadConfig({
        env: { NEUROFORGE_AUTH__BOOTSTRAP_ADMIN_EMAIL: 'nobody', NEUROFORGE_AUTH__SIGNING_KEY_SECRET: 'short' },
        cwd: tempDir(),
      }),
    );
    expect(err.message).toContain('auth.bootstrap_admin_email');
    expect(err.message).toContain('auth.signing_key_secret');
    expect(err.message).toContain('must be empty or an email address');
    expect(err.message).toContain('must be empty or a string of at least 32 characters');
    expect(err.message).not.toContain('Invalid input');
  });

  it('require a signing key secret in production', () => {
    const err = configError(() =>
      loadConfig({ env: { NEUROFORGE_SYSTEM__ENVIRONMENT: 'production' }, cwd: tempDir() }),
    );
    expect(err.message).toContain('auth.signing_key_secret');
  });
});
