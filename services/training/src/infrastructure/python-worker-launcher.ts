// Starts the PyTorch worker (`python -m neuroforge_worker train --job … --out … --resume`) as a child process and
// turns its stdout JSON lines into events (docs/training/worker.md). `--resume` is always given: with no
// checkpoint in the output folder the worker starts from step 0. The child asks Linux to send it SIGTERM when this
// process dies (PR_SET_PDEATHSIG), so a crashed service never leaves a worker writing into a job folder that
// another attempt resumes from; SIGTERM makes it checkpoint and exit.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import type {
  WorkerEvent,
  WorkerExit,
  WorkerHandle,
  WorkerLaunch,
  WorkerLauncher,
} from '../application/ports/worker-launcher.port';

const STDERR_LINES = 20;

/** The repository folder that holds `services/training/worker` (walking up from this file). */
export function findWorkerRoot(from = __dirname): string {
  let dir = resolve(from);
  for (;;) {
    const candidate = join(dir, 'services', 'training', 'worker');
    if (existsSync(join(candidate, 'neuroforge_worker', '__main__.py'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`services/training/worker/neuroforge_worker not found above ${from}`);
    dir = parent;
  }
}

const BOOTSTRAP = [
  'import ctypes, signal, sys, runpy',
  'try:',
  '    ctypes.CDLL(None).prctl(1, signal.SIGTERM)',
  'except Exception:',
  '    pass',
  "sys.argv = ['neuroforge_worker'] + sys.argv[1:]",
  "runpy.run_module('neuroforge_worker', run_name='__main__', alter_sys=True)",
].join('\n');

export class PythonWorkerLauncher implements WorkerLauncher {
  private python: Promise<string> | undefined;

  /** `python`: the interpreter, or undefined to use the project's venv (infra/scripts/python-env.sh). */
  constructor(
    private readonly pythonSetting: string | undefined,
    private readonly torchThreads: number,
  ) {}

  private interpreter(root: string): Promise<string> {
    this.python ??= this.pythonSetting
      ? Promise.resolve(this.pythonSetting)
      : promisify(execFile)('bash', [join(root, 'infra', 'scripts', 'python-env.sh')], {
          cwd: root,
          maxBuffer: 1 << 20,
        }).then(({ stdout }) => join(stdout.trim(), 'bin', 'python'));
    return this.python;
  }

  async launch(launch: WorkerLaunch): Promise<WorkerHandle> {
    const root = findWorkerRoot();
    const python = await this.interpreter(root);
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONUNBUFFERED: '1' };
    if (this.torchThreads > 0) {
      env.NEUROFORGE_TORCH_THREADS = String(this.torchThreads);
      env.OMP_NUM_THREADS = String(this.torchThreads);
    }
    const child = spawn(
      python,
      ['-c', BOOTSTRAP, 'train', '--job', launch.jobSpecPath, '--out', launch.outDir, '--resume'],
      { cwd: join(root, 'services', 'training', 'worker'), env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return track(child, launch.onEvent);
  }
}

function track(child: ChildProcess, onEvent: (event: WorkerEvent) => void): WorkerHandle {
  const stderr: string[] = [];
  const stdoutDone = new Promise<void>((done) => {
    if (!child.stdout) return done();
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      try {
        const event = JSON.parse(line) as WorkerEvent;
        if (event && typeof event.event === 'string') onEvent(event);
      } catch {
        // Not a protocol line; the worker only writes JSON lines, so ignore noise.
      }
    });
    lines.on('close', done);
  });
  if (child.stderr) {
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderr.push(line);
      if (stderr.length > STDERR_LINES) stderr.shift();
    });
  }
  const exited = new Promise<WorkerExit>((done) => {
    child.once('error', (error) => done({ code: null, signal: null, stderrTail: String(error) }));
    child.once(
      'close',
      (code, signal) =>
        void stdoutDone.then(() => done({ code, signal, stderrTail: stderr.slice(-3).join(' | ').slice(0, 500) })),
    );
  });
  return {
    pid: child.pid ?? -1,
    stop: () => void child.kill('SIGTERM'),
    kill: () => void child.kill('SIGKILL'),
    exited,
  };
}
