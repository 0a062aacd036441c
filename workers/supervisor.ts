/**
 * Runs one ffmpeg and keeps it running: restart with capped exponential backoff when it exits, kill
 * and restart when it stalls, keep the last lines of its stderr, stop it on request and wait for the
 * exit. The I/O half of the compressor; arguments, backoff and stall rules are the pure modules.
 */
import type { ChildProcess } from 'node:child_process';
import { Backoff } from '../protocols/backoff.ts';
import type { BackoffOptions } from './messages.ts';
import { ProgressParser, type ProgressReport } from './progress-parser.ts';
import { StallDetector } from './stall-detector.ts';
import { spawnWatched } from './watched-spawn.ts';
import { LineTail } from './line-tail.ts';

export interface SupervisorOptions {
  readonly ffmpegPath: string;
  /** Arguments (see buildFfmpegArgs); `-progress pipe:3` feeds progress and stall detection. */
  readonly args: readonly string[];
  /** No output for this long: kill and restart (ms). */
  readonly stallTimeoutMs: number;
  readonly backoff: BackoffOptions;
  /** Lines of stderr kept. Defaults to 50. */
  readonly stderrLines?: number;
  /** After SIGTERM, how long ffmpeg may take to exit before SIGKILL (ms). Defaults to 2000. */
  readonly killGraceMs?: number;
  readonly now?: () => number;
  readonly random?: () => number;
}

export interface SupervisorEvents {
  /** A new ffmpeg run: stdout starts from a fresh container header. */
  onStarted(pid: number): void;
  onStdout(chunk: Buffer): void;
  onProgress(report: ProgressReport): void;
  onExited(code: number | null, signal: string | null, stderrTail: readonly string[]): void;
  onBackoff(delayMs: number, attempt: number): void;
  onStalled(): void;
}

export type SupervisorState = 'idle' | 'running' | 'backoff' | 'stopping' | 'stopped';

export class FfmpegSupervisor {
  readonly #options: SupervisorOptions;
  readonly #events: SupervisorEvents;
  readonly #now: () => number;
  readonly #backoff: Backoff;
  readonly #stall: StallDetector;
  readonly #stderr: LineTail;
  #state: SupervisorState = 'idle';
  #child: ChildProcess | null = null;
  #exited: Promise<void> = Promise.resolve();
  #restartTimer: NodeJS.Timeout | null = null;
  #stallTimer: NodeJS.Timeout | null = null;
  #starts = 0;
  #runStartedAt = 0;
  #lastFrame = 0;
  #lastSize = 0;

  constructor(options: SupervisorOptions, events: SupervisorEvents) {
    this.#options = options;
    this.#events = events;
    this.#now = options.now ?? Date.now;
    this.#backoff = new Backoff(options.backoff, options.random);
    this.#stall = new StallDetector(options.stallTimeoutMs, this.#now);
    this.#stderr = new LineTail(options.stderrLines ?? 50);
  }

  get state(): SupervisorState {
    return this.#state;
  }
  /** Restarts so far (runs after the first). */
  get restarts(): number {
    return Math.max(0, this.#starts - 1);
  }
  get pid(): number | null {
    return this.#child?.pid ?? null;
  }
  stderrTail(): string[] {
    return this.#stderr.lines();
  }

  start(): void {
    if (this.#state !== 'idle') return;
    this.#spawn();
  }

  /** Kills ffmpeg (SIGTERM, then SIGKILL after the grace period) and resolves once it has exited. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped') return this.#exited;
    this.#state = 'stopping';
    this.#clearTimers();
    const child = this.#child;
    if (child !== null) this.#kill(child);
    await this.#exited;
    this.#state = 'stopped';
  }

  /** Kills the current ffmpeg (it is then restarted with backoff), e.g. when its output is corrupt. */
  restart(reason: string): void {
    const child = this.#child;
    if (child === null || this.#state !== 'running') return;
    this.#stderr.pushLine(`cupola: ${reason}, restarting ffmpeg`);
    this.#kill(child);
  }

  #spawn(): void {
    this.#starts++;
    this.#state = 'running';
    this.#runStartedAt = this.#now();
    this.#lastFrame = 0;
    this.#lastSize = 0;
    this.#stall.reset();
    const child = spawnWatched(this.#options.ffmpegPath, this.#options.args);
    this.#child = child;
    let resolveExit!: () => void;
    this.#exited = new Promise((r) => (resolveExit = r));
    const progress = new ProgressParser((r) => this.#onProgress(r));
    let finished = false;
    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      this.#onChildGone(child, exitCode, exitSignal);
      resolveExit();
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      this.#stall.activity();
      this.#events.onStdout(chunk);
    });
    child.stdio[3]!.on('data', (chunk: Buffer) => progress.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => this.#stderr.push(chunk));
    // The watchdog pipe: we never write to it; an EPIPE after ffmpeg's exit is expected.
    child.stdin!.on('error', () => {});
    child.on('error', (err) => {
      this.#stderr.pushLine(`spawn error: ${err.message}`);
      if (child.pid === undefined) finish();
    });
    child.on('exit', (code, signal) => {
      exitCode = code;
      exitSignal = signal;
    });
    // 'close' comes after 'exit' once stdout/stderr are drained: the stderr tail is complete.
    child.on('close', finish);
    if (child.pid !== undefined) this.#events.onStarted(child.pid);
    this.#armStallTimer();
  }

  #onProgress(r: ProgressReport): void {
    if (r.frame > this.#lastFrame || r.totalSizeBytes > this.#lastSize) this.#stall.activity();
    this.#lastFrame = r.frame;
    this.#lastSize = r.totalSizeBytes;
    this.#events.onProgress(r);
  }

  #onChildGone(child: ChildProcess, code: number | null, signal: string | null): void {
    if (this.#child === child) this.#child = null;
    if (this.#stallTimer !== null) clearTimeout(this.#stallTimer);
    this.#stallTimer = null;
    child.stdin?.destroy();
    this.#events.onExited(code, signal, this.#stderr.lines());
    if (this.#state !== 'running') return; // stopping: no restart
    if (this.#now() - this.#runStartedAt >= this.#options.backoff.resetAfterMs) this.#backoff.reset();
    const attempt = this.#backoff.attempt + 1;
    const delay = this.#backoff.next();
    this.#state = 'backoff';
    this.#events.onBackoff(delay, attempt);
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = null;
      if (this.#state === 'backoff') this.#spawn();
    }, delay);
  }

  #armStallTimer(): void {
    const check = (): void => {
      this.#stallTimer = null;
      const child = this.#child;
      if (child === null || this.#state !== 'running') return;
      if (this.#stall.stalled()) {
        this.#stderr.pushLine(`cupola: no output for ${this.#stall.idleMs()} ms, restarting ffmpeg`);
        this.#events.onStalled();
        this.#kill(child);
        return;
      }
      this.#stallTimer = setTimeout(check, Math.max(50, this.#stall.msUntilStall()));
    };
    this.#stallTimer = setTimeout(check, this.#stall.msUntilStall());
  }

  #kill(child: ChildProcess): void {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => {
      // Closing the watchdog pipe also SIGKILLs ffmpeg; kill() directly in case the watchdog is gone.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, this.#options.killGraceMs ?? 2000);
    child.once('exit', () => clearTimeout(t));
  }

  #clearTimers(): void {
    if (this.#restartTimer !== null) clearTimeout(this.#restartTimer);
    if (this.#stallTimer !== null) clearTimeout(this.#stallTimer);
    this.#restartTimer = null;
    this.#stallTimer = null;
  }
}
