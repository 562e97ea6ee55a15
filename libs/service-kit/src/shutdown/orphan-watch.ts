/**
 * Shuts a service down when the process that started it goes away.
 *
 * `npm start`, the test suites and the training pool start services as child processes. When such a parent is
 * killed outright (SIGKILL, a crashed test worker), its children would run on, holding ports and database
 * connections. A child notices through its parent pid changing (it is re-parented to init or a subreaper).
 * Processes started directly by init (containers, systemd: parent pid 1) have nothing to watch, and
 * `NEUROFORGE_EXIT_WITH_PARENT=0` turns the watch off.
 */
export function watchParent(
  onOrphaned: () => void,
  opts: {
    intervalMs?: number;
    env?: Record<string, string | undefined>;
    ppid?: () => number;
  } = {},
): { stop(): void } {
  const env = opts.env ?? process.env;
  const ppid = opts.ppid ?? (() => process.ppid);
  const original = ppid();
  if (env.NEUROFORGE_EXIT_WITH_PARENT === '0' || original <= 1) return { stop: () => undefined };
  let fired = false;
  const timer = setInterval(() => {
    if (!fired && ppid() !== original) {
      fired = true;
      clearInterval(timer);
      onOrphaned();
    }
  }, opts.intervalMs ?? 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
