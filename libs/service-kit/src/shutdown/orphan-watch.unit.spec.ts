import { describe, expect, it } from 'vitest';
import { watchParent } from './orphan-watch';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('watchParent', () => {
  it('fires once when the parent pid changes', async () => {
    let ppid = 4242;
    let fired = 0;
    const watch = watchParent(() => fired++, { intervalMs: 5, env: {}, ppid: () => ppid });
    await tick(20);
    expect(fired).toBe(0);
    ppid = 1;
    await tick(30);
    expect(fired).toBe(1);
    watch.stop();
  });

  it('does nothing for a process started by init', async () => {
    let ppid = 1;
    let fired = 0;
    watchParent(() => fired++, { intervalMs: 5, env: {}, ppid: () => ppid });
    ppid = 7;
    await tick(30);
    expect(fired).toBe(0);
  });

  it('can be turned off with NEUROFORGE_EXIT_WITH_PARENT=0', async () => {
    let ppid = 4242;
    let fired = 0;
    watchParent(() => fired++, { intervalMs: 5, env: { NEUROFORGE_EXIT_WITH_PARENT: '0' }, ppid: () => ppid });
    ppid = 1;
    await tick(30);
    expect(fired).toBe(0);
  });
});
