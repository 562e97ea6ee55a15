// Runs NeuroForge's six services as child processes (what `npm start` ends with):
// 1. start each from services/<name>/dist/main.js, its output to .stack/logs/<name>.log and, prefixed, the console;
// 2. wait until every /health/ready answers 200 (on failure: print the log tail, stop the rest, exit 1);
// 3. print the URLs and run the start hooks (infra/scripts/start.d/*.sh, e.g. serving a default model);
// 4. on SIGINT/SIGTERM stop every service gracefully; the local stack keeps running.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
// NF_LOGS_DIR lets tests run a second set of services without overwriting a running `npm start`'s logs.
const LOGS = process.env.NF_LOGS_DIR ?? join(ROOT, '.stack/logs');
const READY_TIMEOUT_MS = Number(process.env.NF_READY_TIMEOUT_S ?? 90) * 1000;
const STOP_TIMEOUT_MS = 15_000;
const { loadConfig, serviceConfig, SERVICE_NAMES, ConfigError } = createRequire(import.meta.url)('@neuroforge/config');

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`[neuroforge] configuration error: ${error.message}`);
  process.exit(1);
}
mkdirSync(LOGS, { recursive: true });
const width = Math.max(...SERVICE_NAMES.map((n) => n.length));
const color = (i, text) => (process.stdout.isTTY ? `\x1b[${31 + (i % 6)}m${text}\x1b[0m` : text);
const say = (line) => console.log(`[neuroforge] ${line}`);

/** One console line from a JSON log line: time, level, message and the remaining fields. */
function compact(line) {
  try {
    const { level, time, msg, service, pid, name, hostname, ...rest } = JSON.parse(line);
    const levels = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
    const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
    const when = new Date(time).toISOString().slice(11, 23);
    return `${when} ${(levels[level] ?? String(level)).toUpperCase()} ${msg}${extra}`;
  } catch {
    return line;
  }
}

const services = SERVICE_NAMES.map((name, i) => {
  const ports = serviceConfig(config, name);
  const logFile = join(LOGS, `${name}.log`);
  // One log per run, so the tail printed on failure is this run's.
  const log = createWriteStream(logFile);
  // Own process group: a terminal Ctrl-C reaches only this script, which then stops each service exactly once.
  const child = spawn(process.execPath, [join(ROOT, 'services', name, 'dist/main.js')], {
    cwd: ROOT,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const prefix = color(i, `${name.padEnd(width)} |`);
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream.on('data', (chunk) => {
      log.write(chunk);
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) console.log(`${prefix} ${compact(line)}`);
    });
  }
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  return { name, ports, child, logFile, log, exited, stopping: false };
});

function tail(file, lines = 40) {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

let stopping;
async function stopAll(reason, exitCode) {
  stopping ??= (async () => {
    say(`${reason}: stopping the services`);
    const codes = await Promise.all(
      services.map(async (s) => {
        s.stopping = true;
        if (s.child.exitCode !== null || s.child.signalCode !== null) return s.child.exitCode ?? s.child.signalCode;
        s.child.kill('SIGTERM');
        const timer = setTimeout(() => s.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        const code = await s.exited;
        clearTimeout(timer);
        say(`${s.name} stopped (exit ${code})`);
        return code;
      }),
    );
    await Promise.all(services.map((s) => new Promise((r) => s.log.end(r))));
    say('the local stack is still running; stop it with `npm run stack:down`');
    process.exit(exitCode ?? (codes.every((c) => c === 0) ? 0 : 1));
  })();
  return stopping;
}

process.on('SIGINT', () => stopAll('SIGINT', 0));
process.on('SIGTERM', () => stopAll('SIGTERM', 0));
// Last resort if this script dies unexpectedly: take the services with it.
process.on('exit', () => {
  for (const s of services) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
});

for (const s of services) {
  s.exited.then((code) => {
    if (s.stopping) return;
    console.error(
      `[neuroforge] ${s.name} exited unexpectedly (${code}); last lines of ${s.logFile}:\n${tail(s.logFile)}`,
    );
    stopAll(`${s.name} exited`, 1);
  });
}

async function waitReady(s) {
  const url = `http://${s.ports.host}:${s.ports.metrics_port}/health/ready`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer';
  while (Date.now() < deadline && !s.stopping) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
      if (response.status === 200) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = error.cause?.message ?? error.message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${s.name} not ready after ${READY_TIMEOUT_MS / 1000}s (last answer: ${last})`);
}

const waits = await Promise.allSettled(
  services.map(async (s) => {
    await waitReady(s);
    say(`${s.name} ready`);
  }),
);
const notReady = services.filter((_, i) => waits[i].status === 'rejected');
if (notReady.length > 0) {
  for (const s of notReady) {
    console.error(`[neuroforge] ${waits[services.indexOf(s)].reason.message}; last lines of ${s.logFile}:`);
    console.error(tail(s.logFile, 20).split('\n').map(compact).join('\n'));
  }
  await stopAll('startup failed', 1);
}

const gateway = serviceConfig(config, 'gateway');
const rows = services.map(({ name, ports }) => {
  const grpc =
    ports.grpc_port > 0 ? `grpc ${ports.host}:${ports.grpc_port}` : `http http://${ports.host}:${ports.http_port}`;
  return `  ${name.padEnd(width)}  ${grpc.padEnd(32)} health+metrics http://${ports.host}:${ports.metrics_port}/metrics`;
});
say(
  [
    'NeuroForge is up:',
    `  gateway API     http://${gateway.host}:${gateway.http_port}  (system health: /api/v1/system/health)`,
    ...rows,
    '  Jaeger UI       http://127.0.0.1:16686',
    `  logs            ${LOGS}/<service>.log`,
    'Ctrl-C stops the services (the stack keeps running).',
  ].join('\n'),
);

// Start hooks (e.g. the serving work's default model): every infra/scripts/start.d/*.sh, in name order.
const hooks = join(ROOT, 'infra/scripts/start.d');
if (existsSync(hooks)) {
  for (const hook of readdirSync(hooks)
    .filter((f) => f.endsWith('.sh'))
    .sort()) {
    say(`start hook ${hook}`);
    const env = { ...process.env, NF_GATEWAY_URL: `http://${gateway.host}:${gateway.http_port}` };
    const result = spawnSync('bash', [join(hooks, hook)], { cwd: ROOT, env, stdio: 'inherit' });
    if (result.status !== 0) say(`start hook ${hook} failed (exit ${result.status}); the services keep running`);
  }
}
