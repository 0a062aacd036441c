/**
 * Stop requests that are not signals: the process that launched this one going away.
 *
 * `cupola serve` and `cupola demo` stop on SIGINT, SIGTERM and SIGHUP. Two launchers do not pass
 * those on, so the process also watches its parent:
 *
 *   - a parent that spawned it with an IPC channel (the demo starts its nodes so): the channel
 *     closes when the parent exits, however it exits (SIGKILL included);
 *   - npm (`npm start`, `npm run demo`, `npx cupola serve`, recognised by the `npm_command` variable
 *     npm sets): killing npm kills its `sh -c` but not this process, which is re-parented. The
 *     parent PID is polled every PARENT_POLL_MS.
 *
 * A process started any other way (systemd, Docker, a shell with `&`) is left alone when its parent
 * exits.
 */

/** How often the parent PID is compared with the one at start-up (ms). */
export const PARENT_POLL_MS = 500;

export interface ParentWatchOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly pollMs?: number;
}

/** Calls `onGone` once when the launcher is gone; returns a function that stops watching. */
export function watchParent(onGone: (why: string) => void, o: ParentWatchOptions = {}): () => void {
  const env = o.env ?? process.env;
  let done = false;
  const fire = (why: string): void => {
    if (done) return;
    done = true;
    stop();
    onGone(why);
  };
  const stops: (() => void)[] = [];
  const stop = (): void => {
    for (const s of stops.splice(0)) s();
  };
  if (process.channel !== undefined) {
    const onDisconnect = (): void => fire('the parent process closed its IPC channel');
    process.once('disconnect', onDisconnect);
    stops.push(() => process.off('disconnect', onDisconnect));
  }
  if (env.npm_command !== undefined && env.npm_command !== '') {
    const first = process.ppid;
    const timer = setInterval(() => {
      if (process.ppid !== first) fire(`the parent process (${first}, npm) exited`);
    }, o.pollMs ?? PARENT_POLL_MS);
    timer.unref();
    stops.push(() => clearInterval(timer));
  }
  return () => {
    done = true;
    stop();
  };
}

/** The signals that stop a node or the demo gracefully (SIGHUP: the terminal or SSH session closed). */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
