import { type Admin, Kafka, logLevel } from 'kafkajs';
import type { DependencyCheck } from '../readiness/dependency-check';

/**
 * Kafka answers when the cluster has a controller and at least one broker. Keeps one connected admin client
 * between checks (a describeCluster on an open connection is cheap) and rebuilds it after any failure, so
 * the check recovers by itself once the broker is back.
 */
export class KafkaCheck implements DependencyCheck {
  readonly name = 'kafka';
  private admin: Admin | undefined;
  private connecting: Promise<Admin> | undefined;

  constructor(
    private readonly brokers: string[],
    private readonly clientId: string,
    private readonly timeoutMs = 1000,
  ) {}

  async check(): Promise<void> {
    try {
      const admin = await this.connected();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length === 0) throw new Error('no broker in the cluster');
      if (cluster.controller === null) throw new Error('the cluster has no controller');
    } catch (error) {
      await this.reset();
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.reset();
  }

  private connected(): Promise<Admin> {
    if (this.admin) return Promise.resolve(this.admin);
    this.connecting ??= (async () => {
      const kafka = new Kafka({
        clientId: this.clientId,
        brokers: this.brokers,
        // Failures surface through readiness; kafkajs' own retry and logging would only slow and clutter it.
        logLevel: logLevel.NOTHING,
        connectionTimeout: this.timeoutMs,
        requestTimeout: this.timeoutMs,
        retry: { retries: 0 },
      });
      const admin = kafka.admin({ retry: { retries: 0 } });
      try {
        await admin.connect();
      } catch (error) {
        await admin.disconnect().catch(() => undefined);
        throw error;
      }
      this.admin = admin;
      return admin;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async reset(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
  }
}
