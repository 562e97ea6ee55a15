import { isLeaf, type Leaf, type Tree } from './fields';
import { configTree } from './schema';
import { envVarName, leaves } from './tree-walk';

// Renders docs/config.md's key table and config.example.yaml from the schema, so neither can drift from it
// (reference.unit.spec.ts fails when the committed files are stale; NF_UPDATE_DOCS=1 rewrites them).

function showDefault(leaf: Leaf): string {
  const v = leaf.default;
  return Array.isArray(v) ? v.join(',') : String(v);
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** One markdown table per section: key, default, allowed values, env var, meaning. */
export function renderKeyTables(tree: Tree = configTree): string {
  const out: string[] = [];
  for (const [section, node] of Object.entries(tree)) {
    if (isLeaf(node)) continue;
    out.push(
      `### \`${section}\``,
      '',
      '| key | default | allowed | env var | meaning |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const { path, leaf } of leaves(node, [section])) {
      out.push(
        `| \`${path.join('.')}\` | \`${cell(showDefault(leaf))}\` | ${cell(leaf.allowed.replace(/^must be /, ''))} | \`${envVarName(path)}\` | ${cell(leaf.doc)} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

function yamlScalar(leaf: Leaf): string {
  const v = leaf.default;
  if (Array.isArray(v)) return `[${v.map((s) => JSON.stringify(s)).join(', ')}]`;
  if (typeof v === 'string') return /^[A-Za-z0-9_./-]+$/.test(v) ? v : JSON.stringify(v);
  return String(v);
}

function renderYamlNode(tree: Tree, indent: string, out: string[]): void {
  for (const [key, node] of Object.entries(tree)) {
    if (isLeaf(node)) {
      out.push(`${indent}# ${node.doc} Allowed: ${node.allowed.replace(/^must be /, '')}.`);
      out.push(`${indent}${key}: ${yamlScalar(node)}`);
    } else {
      out.push(`${indent}${key}:`);
      renderYamlNode(node, `${indent}  `, out);
    }
  }
}

/** A config.yaml with every key at its default, each preceded by its meaning and allowed values. */
export function renderExampleYaml(tree: Tree = configTree): string {
  const out = [
    '# NeuroForge configuration: every key at its default.',
    '# Precedence: NEUROFORGE_<SECTION>__<KEY> environment variables > this file > built-in defaults.',
    '# Copy to config.yaml (or point NEUROFORGE_CONFIG at a copy) and keep only the keys you change.',
    '# Generated from libs/config/src/schema.ts (NF_UPDATE_DOCS=1 npx vitest run libs/config).',
  ];
  for (const [section, node] of Object.entries(tree)) {
    out.push('');
    if (isLeaf(node)) continue;
    out.push(`${section}:`);
    renderYamlNode(node, '  ', out);
  }
  return `${out.join('\n')}\n`;
}
