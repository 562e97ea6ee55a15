// Child process for sdk.int.spec.ts: starts telemetry FIRST (instrumentation patches modules as they load),
// then, inside one root span, makes an HTTP call and a gRPC call to servers in this process, flushes the
// spans to Jaeger and prints {"traceId": ..., "serviceName": ..., "idempotent": ..., "renameRejected": ...}.
// Usage: node trace-probe.cjs <serviceName> <otlpEndpoint>
const { loadConfig } = require('@neuroforge/config');
const { startTelemetry, shutdownTelemetry, createLogger } = require('@neuroforge/telemetry');

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

async function main() {
  const logger = createLogger('probe', config);
  const httpServer = await listenHttp();
  const { server: grpcServer, port: grpcPort } = await listenGrpc();
  const Client = grpc.makeGenericClientConstructor(probeService, 'Probe');
  const client = new Client(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure());

  const tracer = trace.getTracer('trace-probe');
  const traceId = await tracer.startActiveSpan('probe-request', async (span) => {
    const body = await httpGet(httpServer.address().port, '/models/42');
    const reply = await new Promise((resolve, reject) =>
      client.Ping(Buffer.from('ping'), (err, res) => (err ? reject(err) : resolve(res.toString()))),
    );
    logger.info({ body, reply }, 'probe calls done');
    span.end();
    return span.spanContext().traceId;
  });

  client.close();
  grpcServer.forceShutdown();
  await new Promise((resolve) => httpServer.close(resolve));
  await shutdownTelemetry();
  process.stdout.write(`${JSON.stringify({ traceId, serviceName: handle.serviceName, idempotent, renameRejected })}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
