// Child process for sdk.int.spec.ts: starts telemetry FIRST (instrumentation patches modules as they load),
// then, inside one root span, makes an HTTP call and a gRPC call to servers in this process and sends a Kafka
// message that this process consumes; flushes the spans to Jaeger and prints {"traceId": ..., "serviceName": ..., "idempotent": ..., "renameRejected": ...}.
// Usage: node trace-probe.cjs <serviceName> <otlpEndpoint>
const { loadConfig } = require('@neuroforge/config');
const { startTelemetry, shutdownTelemetry, createLogger, extractTraceContext } = require('@neuroforge/telemetry');

const [serviceName, otlpEndpoint] = process.argv.slice(2);
const config = loadConfig({ env: { NEUROFORGE_STACK__OTLP_ENDPOINT: otlpEndpoint }, cwd: __dirname });
const handle = startTelemetry({ serviceName, config });
// A second start for the same service is a no-op returning the same handle; another name is refused.
const idempotent = startTelemetry({ serviceName, config }) === handle;
let renameRejected = false;
try {
  startTelemetry({ serviceName: `${serviceName}-other`, config });
} catch {
  renameRejected = true;
}

// Loaded only now, so that they are instrumented.
const http = require('node:http');
const grpc = require('@grpc/grpc-js');
const { Kafka, logLevel } = require('kafkajs');
const { trace } = require('@opentelemetry/api');

const identity = (b) => b;
const probeService = {
  Ping: {
    path: '/neuroforge.probe.v1.Probe/Ping',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

function listenHttp() {
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(`hello ${req.url}`);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function listenGrpc() {
  const server = new grpc.Server();
  server.addService(probeService, { Ping: (call, callback) => callback(null, Buffer.from(`pong ${call.request}`)) });
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(err) : resolve({ server, port }),
    ),
  );
}

function httpGet(port, path) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path }, (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

// A unique topic and group, removed afterwards. Resolves `received` with the trace id the message's headers carry.
async function startKafka(topic) {
  const kafka = new Kafka({ clientId: topic, brokers: config.stack.kafka_brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  const consumer = kafka.consumer({ groupId: `${topic}-group` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let onMessage;
  const received = new Promise((resolve) => {
    onMessage = resolve;
  });
  await consumer.run({
    eachMessage: async ({ message }) => onMessage(trace.getSpanContext(extractTraceContext(message.headers))?.traceId),
  });
  const close = async () => {
    await consumer.disconnect();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.deleteGroups([`${topic}-group`]).catch(() => {});
    await admin.disconnect();
  };
  return { producer, received, close };
}

function within(ms, promise, what) {
  return Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: no result in ${ms} ms`)), ms).unref()),
  ]);
}

async function main() {
  const logger = createLogger('probe', config);
  const httpServer = await listenHttp();
  const { server: grpcServer, port: grpcPort } = await listenGrpc();
  const Client = grpc.makeGenericClientConstructor(probeService, 'Probe');
  const client = new Client(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure());
  const kafka = await startKafka(`nf-${serviceName}`);

  const tracer = trace.getTracer('trace-probe');
  let kafkaTraceId;
  const traceId = await tracer.startActiveSpan('probe-request', async (span) => {
    const body = await httpGet(httpServer.address().port, '/models/42');
    const reply = await new Promise((resolve, reject) =>
      client.Ping(Buffer.from('ping'), (err, res) => (err ? reject(err) : resolve(res.toString()))),
    );
    await kafka.producer.send({ topic: `nf-${serviceName}`, messages: [{ value: 'probe' }] });
    kafkaTraceId = await within(20000, kafka.received, 'Kafka consumer');
    logger.info({ body, reply }, 'probe calls done');
    span.end();
    return span.spanContext().traceId;
  });

  await kafka.close();
  client.close();
  grpcServer.forceShutdown();
  await new Promise((resolve) => httpServer.close(resolve));
  await shutdownTelemetry();
  process.stdout.write(
    `${JSON.stringify({ traceId, kafkaTraceId, serviceName: handle.serviceName, idempotent, renameRejected })}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
