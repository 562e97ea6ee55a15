import { describe, expect, it } from 'vitest';
import { datasetContentProblems } from './dataset-content';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('dataset content checks', () => {
  it('refuses empty and whitespace-only text', () => {
    expect(datasetContentProblems(bytes(''), 'DATASET_FORMAT_TEXT')[0]).toMatch(/empty/);
    expect(datasetContentProblems(bytes(' \n\t'), 'DATASET_FORMAT_TEXT')[0]).toMatch(/no text/);
    expect(datasetContentProblems(bytes('Alice'), 'DATASET_FORMAT_TEXT')).toEqual([]);
  });

  it('refuses bytes that are not UTF-8', () => {
    expect(datasetContentProblems(new Uint8Array([0xff, 0xfe, 0x41]), 'DATASET_FORMAT_TEXT')).toEqual([
      'is not valid UTF-8 text',
    ]);
  });

  it('names the JSONL lines that are not objects with a text field', () => {
    const content = bytes('{"text":"ok"}\nnot json\n[1]\n{"text":""}\n\n{"text":"fine"}\n');
    expect(datasetContentProblems(content, 'DATASET_FORMAT_JSONL')).toEqual([
      'line 2 is not JSON',
      'line 3 is not a JSON object',
      'line 4 has no non-empty string "text" field',
    ]);
    expect(datasetContentProblems(bytes('\n\n'), 'DATASET_FORMAT_JSONL')[0]).toMatch(/no records/);
    expect(datasetContentProblems(bytes('{"text":"a"}\n{"text":"b"}'), 'DATASET_FORMAT_JSONL')).toEqual([]);
  });
});
