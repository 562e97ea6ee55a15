// Edge validation of RPC inputs: every problem is reported with the field it concerns (INVALID_ARGUMENT).
import { isPermission, type Permission } from '@neuroforge/auth-policy';
import { DomainError, type FieldViolation } from '@neuroforge/events';
import { AuthErrorCode } from '../../domain/auth-errors';

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 1024;
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const API_KEY_ID = /^[0-9a-f]{32}$/;

/** Collects violations, then throws them together. */
export class Validator {
  private readonly violations: FieldViolation[] = [];

  add(field: string, description: string): this {
    this.violations.push({ field, description });
    return this;
  }

  email(field: string, value: string): string {
    const email = value.trim().toLowerCase();
    if (email.length > 254 || !EMAIL.test(email)) this.add(field, 'must be an email address such as ada@example.com');
    return email;
  }

  password(field: string, value: string): string {
    // Counted in code points: "12 characters" means what a person typed.
    const length = [...value].length;
    if (length < PASSWORD_MIN) this.add(field, `must be at least ${PASSWORD_MIN} characters`);
    else if (length > PASSWORD_MAX) this.add(field, `must be at most ${PASSWORD_MAX} characters`);
    return value;
  }

  text(field: string, value: string, { min, max }: { min: number; max: number }): string {
    const text = value.trim();
    if (text.length < min) this.add(field, min === 1 ? 'must not be empty' : `must be at least ${min} characters`);
    else if (text.length > max) this.add(field, `must be at most ${max} characters`);
    return text;
  }

  required(field: string, value: string): string {
    if (value === '') this.add(field, 'must not be empty');
    return value;
  }

  userId(field: string, value: string, { optional = false } = {}): string {
    if (value === '' && optional) return value;
    if (!UUID.test(value)) this.add(field, 'must be a user id (UUID)');
    return value;
  }

  apiKeyId(field: string, value: string): string {
    if (!API_KEY_ID.test(value)) this.add(field, 'must be an API key id (32 hex digits)');
    return value;
  }

  scopes(field: string, values: string[]): Permission[] {
    values.forEach((s, i) => {
      if (!isPermission(s)) this.add(`${field}[${i}]`, `unknown scope ${JSON.stringify(s)}`);
    });
    if (new Set(values).size !== values.length) this.add(field, 'must not repeat a scope');
    return values.filter(isPermission);
  }

  range(field: string, value: number, min: number, max: number): number {
    if (!Number.isInteger(value) || value < min || value > max) this.add(field, `must be between ${min} and ${max}`);
    return value;
  }

  /** Throws AUTH.INVALID_ARGUMENT naming every field that failed. */
  check(): void {
    if (this.violations.length === 0) return;
    const fields = this.violations.map((v) => `${v.field} ${v.description}`).join('; ');
    throw new DomainError(AuthErrorCode.InvalidArgument, `invalid request: ${fields}`, {
      fieldViolations: this.violations,
    });
  }
}
