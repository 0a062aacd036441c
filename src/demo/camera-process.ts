/**
 * Keeps one simulated camera publishing: runs the bundled ffmpeg with the camera's arguments and
 * restarts it with backoff when it dies (the slave restarting, a dropped connection). Stopped by PID;
 * started under the watchdog of workers/watched-spawn.ts, so it also dies when the demo dies.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnWatched } from '../../workers/watched-spawn.ts';
import { CAMERA_STABLE_MS, cameraRestartDelayMs } from './camera-args.ts';

const STDERR_TAIL_BYTES = 4 * 1024;

export interface CameraProcessEvents {
  /** ffmpeg exited on its own; it is restarted after `delayMs`. */
  onExit?(info: { code: number | null; signal: NodeJS.Signals | null; delayMs: number; stderrTail: string }): void;
}

export class CameraProcess {
  readonly #ffmpegPath: string;
  readonly #args: readonly string[];
  readonly #events: CameraProcessEvents;
  readonly #now: () => number;
  #proc: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #restartTimer: NodeJS.Timeout | undefined;
  #attempt = 0;
  #startedAt = 0;
  #stopping = false;
  #tail = '';
  #restarts = 0;

  constructor(ffmpegPath: string, args: readonly string[], events: CameraProcessEvents = {}, now: () => number = Date.now) {
    this.#ffmpegPath = ffmpegPath;
    this.#args = args;
    this.#events = events;
    this.#now = now;
  }

  /** PID of the running ffmpeg, if any. */
  get pid(): number | undefined {
    return this.#proc?.pid;
  }

  get restarts(): number {
    return this.#restarts;
  }

  start(): void {
    if (this.#stopping || this.#proc) return;
    this.#startedAt = this.#now();
    this.#tail = '';
    // Own process group: a Ctrl-C in the terminal reaches only the demo, which stops cameras first.
    const proc = spawnWatched(this.#ffmpegPath, this.#args, { extraPipes: 0, detached: true });
    this.#proc = proc;
    // stdin is the watchdog pipe (never written; EPIPE after the exit is expected); stdout is unused.
    proc.stdin!.on('error', () => {});
    proc.stdout!.resume();
    proc.stderr!.on('data', (b: Buffer) => {
      this.#tail = (this.#tail + b.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    this.#exited = new Promise<void>((resolve) => {
      let done = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (done) return;
        done = true;
        this.#proc = undefined;
        proc.stdin?.destroy(); // lets the watchdog's `cat` end
        resolve();
        this.#onExit(code, signal);
      };
      proc.once('exit', finish);
      proc.once('error', () => finish(-1, null));
    });
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#stopping) return;
    if (this.#now() - this.#startedAt >= CAMERA_STABLE_MS) this.#attempt = 0;
    const delayMs = cameraRestartDelayMs(this.#attempt++);
    this.#restarts++;
    this.#events.onExit?.({ code, signal, delayMs, stderrTail: this.#tail });
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      this.start();
    }, delayMs);
  }

  /** SIGKILL now, synchronously, and no restart (for the demo's own `exit` handler). */
  killNow(): void {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    const proc = this.#proc;
    if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  }

  /** Stops for good: SIGTERM (ffmpeg closes the FLV stream), SIGKILL after `graceMs`. */
  async stop(graceMs = 3000): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    const proc = this.#proc;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const hard = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await this.#exited;
      clearTimeout(hard);
    }
  }
}
