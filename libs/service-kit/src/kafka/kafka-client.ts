// The one way a service builds its Kafka client from the configuration: brokers from `stack.kafka_brokers`, the
// client id `<stack.kafka_client_id>-<service>` (so broker logs and quotas name the service), and only errors
// logged by kafkajs itself (the service logs what matters through its own logger).
import type { NeuroForgeConfig } from '@neuroforge/config';
import { Kafka, logLevel } from 'kafkajs';

export function kafkaClient(
  stack: Pick<NeuroForgeConfig['stack'], 'kafka_brokers' | 'kafka_client_id'>,
  service: string,
): Kafka {
  return new Kafka({
    clientId: `${stack.kafka_client_id}-${service}`,
    brokers: stack.kafka_brokers,
    logLevel: logLevel.ERROR,
  });
}
