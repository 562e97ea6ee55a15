/** One invalid or unknown setting. `source` says where the value came from: an env var name, `<file>:<line>`, or `default`. */
export interface ConfigIssue {
  readonly key: string;
  readonly value: unknown;
  readonly allowed: string;
  readonly source: string;
}

export function formatValue(value: unknown): string {
  if (value === undefined) return '(missing)';
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function formatIssue(issue: ConfigIssue): string {
  return `${issue.key} = ${formatValue(issue.value)} is invalid: ${issue.allowed} (set by ${issue.source})`;
}

/**
 * Thrown by loadConfig when start-up must stop. The fields describe the first problem; `issues` holds all of
 * them (the message lists every one, so one restart fixes them all).
 */
export class ConfigError extends Error {
  readonly key: string;
  readonly value: unknown;
  readonly allowed: string;
  readonly source: string;
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly [ConfigIssue, ...ConfigIssue[]]) {
    const [first] = issues;
    const message =
      issues.length === 1
        ? formatIssue(first)
        : `${issues.length} configuration problems:\n${issues.map((i) => `  - ${formatIssue(i)}`).join('\n')}`;
    super(message);
    this.name = 'ConfigError';
    this.key = first.key;
    this.value = first.value;
    this.allowed = first.allowed;
    this.source = first.source;
    this.issues = issues;
  }
}
