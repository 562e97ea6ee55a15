import mongoose, { type Connection } from 'mongoose';
import type { DependencyCheck } from '../readiness/dependency-check';

/** MongoDB (FerretDB locally) answers a `ping`. A connection that failed is dropped and rebuilt on the next check. */
export class MongoCheck implements DependencyCheck {
  readonly name = 'mongo';
  private connection: Connection | undefined;

  constructor(
    private readonly url: string,
    private readonly timeoutMs = 1000,
  ) {}

  async check(): Promise<void> {
    try {
      const connection = await this.connected();
      const db = connection.db;
      if (!db) throw new Error('mongo connection has no database handle');
      await db.command({ ping: 1 });
    } catch (error) {
      await this.reset();
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.reset();
  }

  private async connected(): Promise<Connection> {
    if (this.connection) return this.connection;
    const connection = mongoose.createConnection(this.url, {
      serverSelectionTimeoutMS: this.timeoutMs,
      connectTimeoutMS: this.timeoutMs,
      socketTimeoutMS: this.timeoutMs * 2,
      maxPoolSize: 1,
      // Mongoose would otherwise queue commands while disconnected instead of failing fast.
      bufferCommands: false,
      autoIndex: false,
    });
    this.connection = connection;
    // Errors after connecting are reported by the next ping; without a listener they would be thrown as unhandled.
    connection.on('error', () => undefined);
    await connection.asPromise();
    return connection;
  }

  private async reset(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close(true).catch(() => undefined);
  }
}
