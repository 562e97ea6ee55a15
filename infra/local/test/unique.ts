import { randomBytes } from 'node:crypto';

// Integration tests share one stack with every other suite, so each name they create is unique.
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}
