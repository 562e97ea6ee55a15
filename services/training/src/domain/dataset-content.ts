// What makes a dataset's bytes trainable, checked before they are stored: TEXT is non-empty UTF-8 with some
// non-whitespace; JSONL has at least one line, and every non-blank line is a JSON object whose `text` is a
// non-empty string. Problems name the line, so a user can fix the file.
import type { DatasetFormatName } from './dataset.decider';

const MAX_PROBLEMS = 5;

/** Returns what is wrong with the content ([] when it can be trained on). */
export function datasetContentProblems(content: Uint8Array, format: DatasetFormatName): string[] {
  if (content.byteLength === 0) return ['is empty; a dataset needs at least one document'];
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    return ['is not valid UTF-8 text'];
  }
  if (format === 'DATASET_FORMAT_TEXT') {
    return text.trim() === '' ? ['has no text (only whitespace); a dataset needs at least one document'] : [];
  }
  const problems: string[] = [];
  let documents = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && problems.length < MAX_PROBLEMS; i++) {
    const line = lines[i]?.trim() ?? '';
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      problems.push(`line ${i + 1} is not JSON`);
      continue;
    }
    const text = (value as { text?: unknown } | null)?.text;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`line ${i + 1} is not a JSON object`);
    } else if (typeof text !== 'string' || text === '') {
      problems.push(`line ${i + 1} has no non-empty string "text" field`);
    } else {
      documents++;
    }
  }
  if (problems.length === 0 && documents === 0) problems.push('has no records; a dataset needs at least one document');
  return problems;
}
