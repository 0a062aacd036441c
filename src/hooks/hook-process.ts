/**
 * One hook command: spawned in its own process group, its output logged line by line under the
 * hook's name, restarted with capped backoff when it should keep running, and stopped by signalling
 * the whole group (SIGTERM, then SIGKILL after the grace), so a shell's children go with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Backoff } from '../../protocols/backoff.ts';
import { LineTail, MAX_TAIL_LINE_CHARS, redactUrlCredentials } from '../../workers/line-tail.ts';
import type { BackoffOptions } from '../../workers/messages.ts';
import type { HookSettings } from '../config/settings.ts';
import type { Logger } from '../log/logger.ts';

/** A run that lasted this long counts as healthy: the next restart starts from the initial delay. */
const HEALTHY_RUN_MS = 10_000;
/** Lines of output kept for the exit log line. */
const TAIL_LINES = 5;

/**
 * Starts `argv` without a shell as the leader of a new process group (detached), stdout/stderr
 * piped. The only place hooks spawn, so a shared "die with the parent" spawn can replace it.
 */
export function spawnHookCommand(argv: readonly string[], env: NodeJS.ProcessEnv): ChildProcess {
  const [program, ...args] = argv;
  if (program === undefined) throw new Error('hook command is empty');
  return spawn(program, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env, windowsHide: true });
}

/** Signals every process of the group led by `pid`; a group already gone is not an error. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    // ESRCH: nothing left in the group, which is what we wanted.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** Output lines go to the log as they arrive (masked and cut like ffmpeg's); the last few are kept. */
class LoggedLines extends LineTail {
  readonly #logLine: (line: string) => void;
  constructor(logLine: (line: string) => void) {
    super(TAIL_LINES);
    this.#logLine = logLine;
  }
  override pushLine(line: string): void {
    super.pushLine(line);
    if (line.trim() !== '') this.#logLine(redactUrlCredentials(line).slice(0, MAX_TAIL_LINE_CHARS));
  }
}

export interface HookProcessOptions {
  readonly hook: HookSettings;
  /** The full environment of the command (the node's plus the CUPOLA_* variables). */
  readonly env: NodeJS.ProcessEnv;
  /** Start again when the command exits (stream.ready hooks with `restart`). */
  readonly keepRunning: boolean;
  /** Killed after this long (ms); undefined = no limit. */
  readonly timeoutMs?: number;
  readonly log: Logger;
  /** Called once when the process is gone for good (stopped, or exited without restart). */
  readonly onDone?: () => void;
  readonly random?: () => number;
  /** Replaces the spawn (tests). */
  readonly spawn?: (argv: readonly string[], env: NodeJS.ProcessEnv) => ChildProcess;
}

export class HookProcess {
  readonly #o: HookProcessOptions;
  readonly #backoff: Backoff;
  #child: ChildProcess | null = null;
  #exited: Promise<void> = Promise.resolve();
  #restartTimer: NodeJS.Timeout | null = null;
  #timeout: NodeJS.Timeout | null = null;
  #stopping = false;
  #done = false;
  #starts = 0;

  constructor(options: HookProcessOptions) {
    this.#o = options;
    const h = options.hook;
    const backoff: BackoffOptions = { initialMs: h.backoffInitialMs, maxMs: Math.max(h.backoffMaxMs, h.backoffInitialMs), factor: 2, jitter: 0.2, resetAfterMs: HEALTHY_RUN_MS };
    this.#backoff = new Backoff(backoff, options.random);
  }

  /** PID of the running command (also its process group id), or null between runs. */
  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  /** Times the command was started. */
  get starts(): number {
    return this.#starts;
  }

  start(): void {
    if (this.#stopping || this.#child !== null) return;
    if (this.#o.timeoutMs !== undefined && this.#timeout === null) {
      this.#timeout = setTimeout(() => {
        this.#o.log.warn('hook timed out; killing it', { timeoutMs: this.#o.timeoutMs });
        void this.stop();
      }, this.#o.timeoutMs);
      this.#timeout.unref();
    }
    this.#run();
  }

  /** Stops the command and its process group; resolves once the leader has exited. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#restartTimer !== null) clearTimeout(this.#restartTimer);
    this.#restartTimer = null;
    const child = this.#child;
    if (child?.pid !== undefined) {
      signalGroup(child.pid, 'SIGTERM');
      const pid = child.pid;
      const hard = setTimeout(() => signalGroup(pid, 'SIGKILL'), this.#o.hook.killGraceMs);
      hard.unref();
      await this.#exited;
      clearTimeout(hard);
    }
    this.#finish();
  }

  #run(): void {
    const { hook, log } = this.#o;
    let child: ChildProcess;
    try {
      child = (this.#o.spawn ?? spawnHookCommand)(hook.command, this.#o.env);
    } catch (err) {
      log.error('hook could not be started', { err: (err as Error).message });
      this.#afterExit(Date.now());
      return;
    }
    this.#starts++;
    this.#child = child;
    const startedAt = Date.now();
    const out = new LoggedLines((line) => log.info('hook output', { stream: 'stdout', line }));
    const err = new LoggedLines((line) => log.info('hook output', { stream: 'stderr', line }));
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    let settled = false;
    this.#exited = new Promise<void>((resolve) => {
      const onGone = (code: number | null, signal: NodeJS.Signals | null, problem?: string): void => {
        if (settled) return;
        settled = true;
        const pid = child.pid;
        // Whatever the command left behind in its group (a shell's background jobs) goes with it.
        if (pid !== undefined) signalGroup(pid, 'SIGKILL');
        this.#child = null;
        const fields = { pid, code, signal, ranMs: Date.now() - startedAt, ...(problem !== undefined ? { problem } : {}), stderr: err.lines() };
        if (this.#stopping) log.info('hook stopped', fields);
        else if (code === 0) log.info('hook exited', fields);
        else log.warn('hook failed', fields);
        resolve();
        this.#afterExit(startedAt);
      };
      child.once('exit', (code, signal) => onGone(code, signal));
      // spawn failures (ENOENT, EACCES) come as 'error' without 'exit'.
      child.once('error', (e) => {
        if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) onGone(null, null, e.message);
        else log.warn('hook process error', { err: e.message });
      });
    });
    if (child.pid !== undefined) log.info('hook started', { pid: child.pid, command: hook.command[0] });
  }

  #afterExit(startedAt: number): void {
    if (this.#stopping || !this.#o.keepRunning) {
      if (!this.#stopping) this.#finish();
      return;
    }
    if (Date.now() - startedAt >= HEALTHY_RUN_MS) this.#backoff.reset();
    const delayMs = this.#backoff.next();
    this.#o.log.info('hook restarting', { inMs: delayMs, attempt: this.#backoff.attempt });
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = null;
      if (!this.#stopping) this.#run();
    }, delayMs);
    this.#restartTimer.unref();
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#timeout !== null) clearTimeout(this.#timeout);
    this.#o.onDone?.();
  }
}
