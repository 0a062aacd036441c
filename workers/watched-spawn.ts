/**
 * Spawns ffmpeg so that it dies with its parent, even when the parent is killed with SIGKILL.
 *
 * ffmpeg 4.1 does not exit when its stdin reaches EOF (it only reacts to a 'q' key), and Node cannot
 * set PR_SET_PDEATHSIG. So ffmpeg is started through a small POSIX sh wrapper:
 *
 *   - the wrapper keeps the stdin pipe from Node on fd 9 and gives ffmpeg /dev/null;
 *   - a background subshell (the watchdog) blocks in `cat` on that pipe. The pipe's write end lives
 *     only in the Node process (libuv opens it close-on-exec), so EOF means the parent closed it or
 *     died, or the worker thread that spawned ffmpeg was torn down;
 *   - the wrapper then `exec`s ffmpeg: ffmpeg keeps the wrapper's PID, so `child.pid` and
 *     `child.kill()` address ffmpeg itself;
 *   - on EOF the watchdog SIGKILLs that PID, but only if it is still the watchdog's parent (read
 *     from /proc/self/stat). After ffmpeg exits on its own the watchdog is reparented and cannot hit
 *     a recycled PID.
 *
 * The watchdog holds no other descriptor (stdout, stderr and the progress pipe are closed in it), so
 * Node sees ffmpeg's pipes close as soon as ffmpeg exits. Cost: one sh and one cat per camera.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** fds 3..8 can be pipes; fd 9 is the wrapper's copy of the watchdog pipe. */
export const MAX_EXTRA_PIPES = 6;

const WATCHDOG_SCRIPT = [
  'p=$$',
  'exec 9<&0 0</dev/null',
  '( exec 1>/dev/null 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&-; cat <&9; read -r _ _ _ pp _ </proc/self/stat; [ "$pp" = "$p" ] && kill -KILL "$p" ) &',
  'exec "$@" 9<&-',
].join('\n');

export interface WatchedSpawnOptions {
  /** Extra pipes after stdin/stdout/stderr (fd 3, 4...), at most MAX_EXTRA_PIPES. Defaults to 1. */
  readonly extraPipes?: number;
  readonly env?: NodeJS.ProcessEnv;
  /** Own process group (a terminal's Ctrl-C reaches only the parent). Defaults to false. */
  readonly detached?: boolean;
}

/**
 * Starts `command args` under the watchdog. stdio: [watchdog pipe, stdout pipe, stderr pipe, fd 3
 * pipe...]. Never write to stdin; ending it (`child.stdin.end()`) SIGKILLs the command.
 */
export function spawnWatched(command: string, args: readonly string[], options: WatchedSpawnOptions = {}): ChildProcess {
  const extra = options.extraPipes ?? 1;
  if (extra < 0 || extra > MAX_EXTRA_PIPES) throw new RangeError(`extraPipes must be 0..${MAX_EXTRA_PIPES}`);
  const stdio: Array<'pipe'> = Array.from({ length: 3 + extra }, () => 'pipe' as const);
  return spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'cupola-ffmpeg', command, ...args], {
    stdio,
    env: options.env ?? process.env,
    detached: options.detached ?? false,
    windowsHide: true,
  });
}
