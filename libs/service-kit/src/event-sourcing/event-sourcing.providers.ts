// What every event-sourced service wires the same way (docs/events.md): its MongoDB connection, its Kafka client,
// its event store (indexes ensured before anything appends) and the outbox relay publishing that store to the
// service's topic. The service's runtime starts the relay and closes the connection; this only builds them.
import type { InjectionToken, Provider } from '@nestjs/common';
import type { NeuroForgeConfig } from '@neuroforge/config';
import { MongoEventStore, OutboxRelay } from '@neuroforge/events';
import type { Kafka } from 'kafkajs';
import type { Connection } from 'mongoose';
import { kafkaClient } from '../kafka/kafka-client';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '../kit.module';
import { connectMongo } from '../mongo/connect-mongo';
import type { Logger } from '../telemetry';

export const MONGO_CONNECTION = Symbol('MONGO_CONNECTION');
export const KAFKA = Symbol('KAFKA');
export const OUTBOX_RELAY = Symbol('OUTBOX_RELAY');

export interface EventSourcingOptions {
  /** The service's name: Kafka client id, MongoDB app name and CloudEvents source. */
  service: string;
  /** The bounded context of its events (`neuroforge.<context>.<type>.v1`). */
  context: string;
  /** The token the application's port expects the event store under. */
  eventStore: InjectionToken;
  /** The token of the topic (a string) the relay publishes to. */
  topic: InjectionToken;
  /** The service's collections (prefixed: services may share a database). */
  collections: { events: string; counters: string; outboxLeases: string };
}

/** Providers of MONGO_CONNECTION, KAFKA, the event store (under `options.eventStore`) and OUTBOX_RELAY. */
export function eventSourcingProviders(options: EventSourcingOptions): Provider[] {
  return [
    {
      provide: MONGO_CONNECTION,
      inject: [SERVICE_CONFIG],
      useFactory: (config: NeuroForgeConfig) =>
        connectMongo(config.stack, { appName: `neuroforge-${options.service}` }),
    },
    {
      provide: KAFKA,
      inject: [SERVICE_CONFIG],
      useFactory: (config: NeuroForgeConfig) => kafkaClient(config.stack, options.service),
    },
    {
      provide: options.eventStore,
      inject: [MONGO_CONNECTION],
      useFactory: async (connection: Connection) => {
        const store = new MongoEventStore(connection, {
          service: options.service,
          context: options.context,
          collection: options.collections.events,
          countersCollection: options.collections.counters,
        });
        await store.init();
        return store;
      },
    },
    {
      provide: OUTBOX_RELAY,
      inject: [options.eventStore, KAFKA, options.topic, SERVICE_LOGGER],
      useFactory: (store: MongoEventStore, kafka: Kafka, topic: string, logger: Logger) =>
        new OutboxRelay({
          store,
          kafka,
          topic,
          leaseCollection: options.collections.outboxLeases,
          onError: (error) => logger.warn({ err: error }, 'outbox relay round failed'),
        }),
    },
  ];
}
