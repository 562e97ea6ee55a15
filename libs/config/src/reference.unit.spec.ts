import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load';
import { renderExampleYaml, renderKeyTables } from './reference';
import { configTree } from './schema';
import { leaves } from './tree-walk';

const ROOT = join(__dirname, '../../..');
const DOC = join(ROOT, 'docs/config.md');
const EXAMPLE = join(ROOT, 'config.example.yaml');
const BEGIN = '<!-- BEGIN GENERATED KEYS -->';
const END = '<!-- END GENERATED KEYS -->';

// NF_UPDATE_DOCS=1 rewrites the generated parts instead of comparing them (then `biome format --write docs`).
const update = process.env.NF_UPDATE_DOCS === '1';

// The markdown formatter pads table cells; compare content, not alignment.
const normalize = (md: string) =>
  md
    .replace(/-{3,}/g, '---')
    .replace(/[ \t]+/g, ' ')
    .trim();

describe('generated reference', () => {
  it('docs/config.md lists every key as the schema defines it', () => {
    const doc = readFileSync(DOC, 'utf8');
    const start = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    const generated = `${BEGIN}\n\n${renderKeyTables()}\n${END}`;
    if (update) writeFileSync(DOC, doc.slice(0, start) + generated + doc.slice(end + END.length));
    else expect(normalize(doc.slice(start, end + END.length))).toBe(normalize(generated));
  });

  it('config.example.yaml lists every key at its default', () => {
    const yaml = renderExampleYaml();
    if (update) writeFileSync(EXAMPLE, yaml);
    else expect(readFileSync(EXAMPLE, 'utf8')).toBe(yaml);
  });

  it('config.example.yaml loads and equals the defaults', () => {
    const fromExample = loadConfig({ env: {}, file: EXAMPLE });
    const defaults = loadConfig({ env: {}, cwd: '/nonexistent' });
    fromExample.system.artifact_dir = defaults.system.artifact_dir;
    expect(fromExample).toEqual(defaults);
  });

  it('the tables name every key', () => {
    const tables = renderKeyTables();
    for (const { path } of leaves(configTree)) expect(tables).toContain(`\`${path.join('.')}\``);
  });
});
