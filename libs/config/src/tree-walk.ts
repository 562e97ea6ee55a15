import { isLeaf, type Leaf, type Tree } from './fields';

export interface LeafEntry {
  readonly path: readonly string[];
  readonly leaf: Leaf;
}

/** Every leaf of the tree with its path, in declaration order. */
export function leaves(tree: Tree, prefix: readonly string[] = []): LeafEntry[] {
  const out: LeafEntry[] = [];
  for (const [key, node] of Object.entries(tree)) {
    const path = [...prefix, key];
    if (isLeaf(node)) out.push({ path, leaf: node });
    else out.push(...leaves(node, path));
  }
  return out;
}

export function nodeAt(tree: Tree, path: readonly string[]): Leaf | Tree | undefined {
  let node: Leaf | Tree = tree;
  for (const key of path) {
    if (isLeaf(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key] as Leaf | Tree;
  }
  return node;
}

/** The environment variable that sets a key: NEUROFORGE_<SECTION>__<KEY>. */
export function envVarName(path: readonly string[]): string {
  return `NEUROFORGE_${path.map((p) => p.toUpperCase()).join('__')}`;
}

export function defaultsOf(tree: Tree): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, node] of Object.entries(tree)) {
    out[key] = isLeaf(node) ? structuredClone(node.default) : defaultsOf(node);
  }
  return out;
}

// Suggests the closest known key for a typo (edit distance ≤ 3).
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (cur[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}
