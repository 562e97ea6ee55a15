import { describe, expect, it } from 'vitest';
import { servedArchitecture } from './engine-model-loader';

describe('servedArchitecture', () => {
  it('reads the engine model from config.json: retnet (default), retnet with ffn "moe", multimodal', () => {
    expect(servedArchitecture({ vocab_size: 256 })).toBe('retnet');
    expect(servedArchitecture({ architecture: 'retnet', ffn: 'dense' })).toBe('retnet');
    expect(servedArchitecture({ architecture: 'retnet', ffn: 'moe' })).toBe('moe_retnet');
    expect(servedArchitecture({ architecture: 'multimodal' })).toBe('multimodal');
  });

  it('accepts either RetNet label from the registry for either RetNet form', () => {
    expect(servedArchitecture({ ffn: 'moe' }, 'ARCHITECTURE_RETNET')).toBe('moe_retnet');
    expect(servedArchitecture({}, 'ARCHITECTURE_MOE_RETNET')).toBe('retnet');
    expect(servedArchitecture({ architecture: 'multimodal' }, 'ARCHITECTURE_MULTIMODAL')).toBe('multimodal');
    expect(servedArchitecture({}, 'ARCHITECTURE_UNSPECIFIED')).toBe('retnet');
  });

  it('refuses a registry label of another family, an architecture it does not serve, and naming what it serves', () => {
    expect(() => servedArchitecture({}, 'ARCHITECTURE_MULTIMODAL')).toThrow(
      'the registry registers this version as ARCHITECTURE_MULTIMODAL, but its config.json is retnet',
    );
    expect(() => servedArchitecture({ architecture: 'multimodal' }, 'ARCHITECTURE_RETNET')).toThrow(
      /config\.json is multimodal/,
    );
    expect(() => servedArchitecture({}, 'ARCHITECTURE_TRANSFORMER')).toThrow(/ARCHITECTURE_TRANSFORMER is not served/);
    expect(() => servedArchitecture({ architecture: 'transformer' })).toThrow(/serves 'retnet' .* and 'multimodal'/);
  });
});
