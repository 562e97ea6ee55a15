// Execution-provider selection: the requested device, fallback in order, and one log line naming what runs.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../onnx/graph-builder';
import { EngineSession, float32, type HostTensor, PROVIDER_ORDER } from './session';

/** The float values of an output (empty when it is missing or not float32, so assertions fail). */
const values = (t?: HostTensor): number[] => (t?.type === 'float32' ? Array.from(t.data) : []);

function doubler(): Uint8Array {
  const g = new GraphBuilder('double');
  const x = g.input('x', 'float32', ['n']);
  g.output(g.op('Mul', [x, g.constFloat([2], [])]), 'y', 'float32', ['n']);
  return g.serialize();
}

describe('EngineSession', () => {
  it('runs on the CPU provider when asked for cpu, with one log line', async () => {
    const lines: string[] = [];
    const s = await EngineSession.create(doubler(), { device: 'cpu', intraOpThreads: 1, log: (l) => lines.push(l) });
    expect(s.provider).toBe('cpu');
    expect(lines).toEqual(['onnxruntime: device=cpu runs on provider=cpu']);
    const out = await s.run({ x: float32(Float32Array.from([1, 2.5]), [2]) });
    expect(values(out.y)).toEqual([2, 5]);
    await s.dispose();
    await expect(s.run({ x: float32(Float32Array.from([1]), [1]) })).rejects.toThrow(/after dispose/);
  });

  it('writes a per-node profile of its runs when created with profileFilePrefix', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nf-profile-'));
    try {
      const s = await EngineSession.create(doubler(), {
        device: 'cpu',
        intraOpThreads: 1,
        profileFilePrefix: join(dir, 'doubler'),
        log: () => {},
      });
      await s.run({ x: float32(Float32Array.from([1]), [1]) });
      s.endProfiling();
      await s.dispose();
      const files = await readdir(dir);
      expect(files).toHaveLength(1);
      const events = JSON.parse(await readFile(join(dir, files[0] as string), 'utf8')) as {
        args?: { op_name?: string };
      }[];
      expect(events.some((e) => e.args?.op_name === 'Mul')).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('auto tries cuda, then webgpu, then cpu, and logs the one that ran and why others did not', async () => {
    expect(PROVIDER_ORDER.auto).toEqual(['cuda', 'webgpu', 'cpu']);
    const lines: string[] = [];
    const s = await EngineSession.create(doubler(), { device: 'auto', log: (l) => lines.push(l) });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`runs on provider=${s.provider}`);
    // Every provider tried before the one that ran is named as unavailable.
    for (const skipped of PROVIDER_ORDER.auto.slice(0, PROVIDER_ORDER.auto.indexOf(s.provider))) {
      expect(lines[0]).toContain(`${skipped} unavailable`);
    }
    const out = await s.run({ x: float32(Float32Array.from([3]), [1]) });
    expect(values(out.y)).toEqual([6]);
    await s.dispose();

    // A second session lands on the same provider and names the same unavailable ones (remembered, not re-probed).
    const again: string[] = [];
    const s2 = await EngineSession.create(doubler(), { device: 'auto', log: (l) => again.push(l) });
    expect(s2.provider).toBe(s.provider);
    expect(again).toEqual(lines);
    await s2.dispose();
  });

  it('fails with ORT’s message when even the last provider cannot load the model', async () => {
    await expect(EngineSession.create(Uint8Array.from([1, 2, 3]), { device: 'cpu', log: () => {} })).rejects.toThrow();
  });
});
