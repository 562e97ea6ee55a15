import { Pool } from 'pg';
import type { DependencyCheck } from '../readiness/dependency-check';

/** PostgreSQL answers `SELECT 1`. The pool opens a fresh connection whenever the previous one broke. */
export class PostgresCheck implements DependencyCheck {
  readonly name = 'postgres';
  private readonly pool: Pool;

  constructor(url: string, timeoutMs = 1000) {
    this.pool = new Pool({
      connectionString: url,
      max: 1,
      connectionTimeoutMillis: timeoutMs,
      query_timeout: timeoutMs,
      idleTimeoutMillis: 30_000,
      application_name: 'neuroforge-readiness',
    });
    // A connection dropped while idle emits here; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  async check(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}
