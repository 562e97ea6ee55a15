import { defaultConfig } from '@neuroforge/config';
import { describe, expect, it } from 'vitest';
import { effectiveModel, effectiveTraining, trainingSeqLen } from './job-settings';
import { InvalidArgumentError, Violations } from './training.errors';

const config = defaultConfig();

function violations(run: (v: Violations) => void): string[] {
  const v = new Violations();
  run(v);
  return v.list.map((x) => `${x.field}: ${x.description}`);
}

describe('job settings', () => {
  it('applies overrides over the configured training section', () => {
    const v = new Violations();
    const t = effectiveTraining(v, config.training, { learningRate: 0.01, maxSteps: 20, warmupSteps: 2 }, false);
    expect(v.list).toEqual([]);
    expect(t).toMatchObject({
      learningRate: 0.01,
      maxSteps: 20,
      warmupSteps: 2,
      batchSize: config.training.batch_size,
    });
  });

  it('refuses values outside the config schema ranges, naming the field and the range', () => {
    const problems = violations((v) =>
      effectiveTraining(v, config.training, { learningRate: 2, batchSize: 0, maxSteps: 1.5 }, false),
    );
    expect(problems).toEqual([
      'training.batch_size: 0 is invalid: must be an integer ≥ 1',
      'training.learning_rate: 2 is invalid: must be > 0 and ≤ 1',
      'training.max_steps: 1.5 is invalid: must be an integer ≥ 1',
    ]);
  });

  it('checks warm-up against max_steps and LoRA against a base model', () => {
    expect(
      violations((v) => effectiveTraining(v, config.training, { warmupSteps: 50, maxSteps: 10, useLora: true }, false)),
    ).toEqual([
      'training.warmup_steps: 50 must be ≤ max_steps (10)',
      'training.use_lora: LoRA needs base_model (the version to fine-tune)',
    ]);
  });

  it('refuses a LoRA dropout of 1 or more (and below 0), naming the field', () => {
    expect(violations((v) => effectiveTraining(v, config.training, { loraDropout: 1 }, true))).toEqual([
      // p = 1 would zero the adapters' input and they would never learn: the config leaf bounds it (< 1).
      'training.lora_dropout: 1 is invalid: must be ≥ 0 and < 1',
    ]);
    expect(violations((v) => effectiveTraining(v, config.training, { loraDropout: -0.1 }, true))).toEqual([
      'training.lora_dropout: -0.1 is invalid: must be ≥ 0 and < 1',
    ]);
    const v = new Violations();
    expect(effectiveTraining(v, config.training, { loraDropout: 0.3, evalEverySteps: 5 }, true)).toMatchObject({
      loraDropout: 0.3,
      evalEverySteps: 5,
    });
    expect(v.list).toEqual([]);
  });

  it('builds a RetNet model config and refuses shapes the workers cannot train', () => {
    const v = new Violations();
    const m = effectiveModel(v, config.model, { embedDim: 16, numHeads: 2, tokenizer: 'byte', vocabSize: 259 });
    expect(v.list).toEqual([]);
    expect(m).toMatchObject({ architecture: 'ARCHITECTURE_RETNET', embedDim: 16, numHeads: 2, vocabSize: 259 });
    expect(
      violations((v) =>
        effectiveModel(v, config.model, {
          architecture: 'ARCHITECTURE_MOE',
          embedDim: 18,
          numHeads: 4,
          tokenizer: 'byte',
          vocabSize: 256,
        }),
      ),
    ).toEqual([
      'model.architecture: moe cannot be trained yet: the training workers train RetNet models only',
      'model.num_heads: embed_dim 18 is not divisible by num_heads 4',
      "model.vocab_size: 256 is smaller than the byte tokenizer's 259 ids",
    ]);
  });

  it('caps the training sequence length', () => {
    expect(trainingSeqLen({ maxSeqLen: 2048 }, 256)).toBe(256);
    expect(trainingSeqLen({ maxSeqLen: 32 }, 256)).toBe(32);
  });

  it('throws every violation together as INVALID_ARGUMENT', () => {
    const v = new Violations();
    v.add('a', 'x');
    v.add('b', 'y');
    expect(() => v.throwIfAny()).toThrow(InvalidArgumentError);
  });
});
