/**
 * Frame meters for the fault suite: readers built on the project's own clients (RtmpClient play,
 * RTSP player) that log every video frame's arrival time and timestamp, so a test can tell when
 * frames came back after a fault (recovery time) and whether a stream the fault did not touch lost
 * any (a gap in the video timestamps of a constant-rate camera).
 *
 * `reconnect: true` makes a meter that retries (every `retryMs`) whenever its session ends or is
 * refused, as a player would: the reader of the stream under fault. Without it a meter is one
 * session, and its `closes` must stay 0 for an untouched stream.
 *
 * `meterInNamespace` runs the same meter as a child process inside a network namespace
 * (frame-meter-cli.ts) and reads its JSON lines: the test runner's own namespace cannot reach
 * addresses inside the namespaces.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { RtmpClient } from '../../src/rtmp/client/rtmp-client.ts';
import { startRtspPlayer, type RtspPlayer } from '../../src/rtsp/client/rtsp-player.ts';
import type { Frame } from '../../protocols/media/frame.ts';
import { repoRoot } from './server.ts';

export interface VideoSample {
  /** Wall clock at arrival (Date.now()). */
  readonly at: number;
  /** Decoding timestamp, ms. */
  readonly dts: number;
}

/** What a meter reports as it happens (the namespace CLI writes these as JSON lines). */
export type MeterEvent = { readonly at: number; readonly dts: number } | { readonly at: number; readonly session: true } | { readonly at: number; readonly close: string };

/** The video frames one meter saw, in arrival order, across its sessions. */
export class FrameLog {
  /** Called on every frame, session start and close. */
  onEvent: ((e: MeterEvent) => void) | null = null;
  readonly samples: VideoSample[] = [];
  /** Index into `samples` where each session started. */
  readonly sessionStarts: number[] = [];
  /** Sessions that ended (error or close) while the meter ran. */
  closes = 0;
  lastError: string | null = null;

  push(frame: Pick<Frame, 'track' | 'dts'>, at = Date.now()): void {
    if (frame.track !== 'video') return;
    this.samples.push({ at, dts: frame.dts });
    this.onEvent?.({ at, dts: frame.dts });
  }

  sessionStarted(at = Date.now()): void {
    this.sessionStarts.push(this.samples.length);
    this.onEvent?.({ at, session: true });
  }

  sessionEnded(reason: string, at = Date.now()): void {
    this.closes++;
    this.lastError = reason;
    this.onEvent?.({ at, close: reason });
  }

  get frames(): number {
    return this.samples.length;
  }

  /** Arrival time of the first video frame received at or after `t` (wall clock). */
  firstFrameAfter(t: number): number | undefined {
    return this.samples.find((s) => s.at >= t)?.at;
  }

  /**
   * Video frames missing within each session: timestamp steps longer than one frame interval
   * (`frameMs`, the camera's 1/fps), rounded to whole frames. Steps back count in `backwards`.
   */
  gaps(frameMs: number, from = 0): { lost: number; backwards: number; maxStepMs: number } {
    let lost = 0;
    let backwards = 0;
    let maxStepMs = 0;
    const starts = new Set(this.sessionStarts);
    for (let i = Math.max(1, from); i < this.samples.length; i++) {
      if (starts.has(i)) continue; // a new session may start at any timestamp
      const step = this.samples[i]!.dts - this.samples[i - 1]!.dts;
      maxStepMs = Math.max(maxStepMs, step);
      if (step < 0) backwards++;
      else lost += Math.max(0, Math.round(step / frameMs) - 1);
    }
    return { lost, backwards, maxStepMs };
  }
}

export interface FrameMeter {
  readonly log: FrameLog;
  stop(): Promise<void>;
}

export interface MeterOptions {
  /** Retry when the session ends or is refused. Defaults to false. */
  readonly reconnect?: boolean;
  /** Defaults to 100 ms. */
  readonly retryMs?: number;
}

/** Plays `url` (rtmp:// or rtsp://, RTSP over TCP) with the project's clients and logs the frames. */
export function meter(url: string, o: MeterOptions = {}, log = new FrameLog()): FrameMeter {
  let stopped = false;
  let current: { close(): Promise<void> | void } | null = null;
  let retry: NodeJS.Timeout | null = null;
  const ended = (err: Error | null): void => {
    current = null;
    if (stopped) return;
    log.sessionEnded(err === null ? 'closed' : err.message);
    if (o.reconnect === true) retry = setTimeout(open, o.retryMs ?? 100);
  };
  const open = (): void => {
    retry = null;
    if (stopped) return;
    if (url.startsWith('rtmp://')) {
      let started = false;
      const client = RtmpClient.play(url, {
        onStarted: () => {
          started = true;
          log.sessionStarted();
        },
        onFrame: (f) => log.push(f),
        onClose: (err) => ended(err ?? (started ? null : new Error('refused'))),
      }, { connectTimeoutMs: 5000, idleTimeoutMs: 5000 });
      current = client;
    } else {
      const pending = startRtspPlayer({ url, connectTimeoutMs: 5000, responseTimeoutMs: 5000 }, {
        onDescription: () => {},
        onFrame: (f) => log.push(f),
        onClose: (err) => ended(err),
      });
      const holder = { player: null as RtspPlayer | null, close: async () => holder.player?.close() };
      current = holder;
      pending.then(
        (player) => {
          if (stopped) {
            void player.close();
            return;
          }
          holder.player = player;
          log.sessionStarted();
        },
        (err: unknown) => ended(err instanceof Error ? err : new Error(String(err))),
      );
    }
  };
  open();
  return {
    log,
    async stop() {
      stopped = true;
      if (retry !== null) clearTimeout(retry);
      await current?.close();
    },
  };
}

const CLI = join(repoRoot, 'test/helpers/frame-meter-cli.ts');
const children = new Set<ChildProcess>();

/** The same meter as a child process run with `ip netns exec <ns>`; its lines feed the returned log. */
export function meterInNamespace(ns: string, url: string, o: MeterOptions = {}): FrameMeter {
  const log = new FrameLog();
  const args = ['netns', 'exec', ns, process.execPath, '--import', 'tsx', CLI, url, o.reconnect === true ? 'reconnect' : 'once'];
  const proc = spawn('ip', args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc);
  let out = '';
  proc.stdout!.setEncoding('utf8');
  proc.stdout!.on('data', (s: string) => {
    out += s;
    const lines = out.split('\n');
    out = lines.pop()!;
    for (const line of lines) {
      const m = JSON.parse(line) as MeterEvent;
      if ('session' in m) log.sessionStarted(m.at);
      else if ('close' in m) log.sessionEnded(m.close, m.at);
      else log.push({ track: 'video', dts: m.dts }, m.at);
    }
  });
  let err = '';
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (s: string) => (err = (err + s).slice(-4000)));
  const exited = new Promise<void>((r) =>
    proc.on('exit', (code) => {
      if (code !== null && code !== 0) log.lastError = `meter process exited ${code}: ${err}`;
      r();
    }),
  );
  return {
    log,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
      children.delete(proc);
    },
  };
}

/** Kills every namespace meter still running (after hooks). */
export async function stopAllMeters(): Promise<void> {
  for (const p of children) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  children.clear();
}
