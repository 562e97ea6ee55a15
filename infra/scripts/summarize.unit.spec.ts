import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const script = join(__dirname, 'summarize.mjs');
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function summarize(files: Record<string, unknown>): Promise<{ code: number; out: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'nf-summarize-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), JSON.stringify(content));
  try {
    return { code: 0, out: execFileSync(process.execPath, [script, dir], { encoding: 'utf8' }) };
  } catch (error) {
    const e = error as { status: number; stdout: string };
    return { code: e.status, out: e.stdout };
  }
}

const passedTest = { status: 'passed', fullName: 'a works' };

describe('summarize.mjs', () => {
  it('adds every phase and exits 0 when nothing failed', async () => {
    const { code, out } = await summarize({
      'vitest.json': { numPassedTests: 3, numFailedTests: 0, testResults: [] },
      'pytest.json': { name: 'pytest', passed: 2, failed: 0, failures: [] },
      'check-lint.json': { name: 'lint', passed: 1, failed: 0 },
    });
    expect(code).toBe(0);
    expect(out.trim().split('\n').at(-1)).toBe('6 passed, 0 failed');
  });

  it('counts a failed test inside a describe block once and names it', async () => {
    const { code, out } = await summarize({
      'vitest.json': {
        numPassedTests: 5,
        numFailedTests: 1,
        numFailedTestSuites: 2,
        testResults: [
          {
            name: 'svc.e2e.spec.ts',
            status: 'failed',
            assertionResults: [passedTest, { status: 'failed', fullName: 'svc answers health' }],
          },
        ],
      },
    });
    expect(code).toBe(1);
    expect(out).toContain('svc.e2e.spec.ts > svc answers health');
    expect(out.trim().split('\n').at(-1)).toBe('5 passed, 1 failed');
  });

  it('counts a file that failed before running any test', async () => {
    const { code, out } = await summarize({
      'vitest.json': {
        numPassedTests: 4,
        numFailedTests: 0,
        testResults: [{ name: 'broken.unit.spec.ts', status: 'failed', message: 'Cannot find module x\nstack' }],
      },
    });
    expect(code).toBe(1);
    expect(out).toContain('broken.unit.spec.ts: Cannot find module x');
    expect(out.trim().split('\n').at(-1)).toBe('4 passed, 1 failed');
  });

  it('names a failed check and fails when Vitest wrote no report', async () => {
    const { code, out } = await summarize({ 'check-typecheck.json': { name: 'typecheck', passed: 0, failed: 1 } });
    expect(code).toBe(1);
    expect(out).toContain('typecheck');
    expect(out).toContain('vitest produced no report');
    expect(out.trim().split('\n').at(-1)).toBe('0 passed, 2 failed');
  });
});
