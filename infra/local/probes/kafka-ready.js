// Readiness probe for the local Kafka broker: exits 0 once kafkajs sees a controller and a broker.
// Usage: node kafka-ready.js <port>
const { Kafka, logLevel } = require('kafkajs');

const port = process.argv[2] ?? '9092';

async function main() {
  const kafka = new Kafka({
    clientId: 'neuroforge-stack-probe',
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 3000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0 || cluster.controller === null) throw new Error('no broker or controller yet');
  } finally {
    await admin.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`kafka not ready: ${error.message}\n`);
    process.exit(1);
  },
);
