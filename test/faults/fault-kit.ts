/**
 * Shared pieces of the fault suite (test/faults/*.test.ts): cycle counts, the small cameras, API
 * reads, and the one-line JSON summary each fault prints (recovery p50/max, frames lost on the
 * streams the fault did not touch). docs/operations.md ("Fault suite") quotes these lines.
 */
import assert from 'node:assert/strict';
import { runFfmpeg, syntheticCameraArgs, type FfmpegRun } from '../helpers/ffmpeg.ts';
import type { FrameLog, FrameMeter } from '../helpers/frame-meter.ts';
import type { ServerProcess } from '../helpers/server.ts';

/** Kill/restart cycles per fault: 3 in `npm test`, CUPOLA_FAULT_CYCLES (e.g. 20) for the long run. */
export const CYCLES = Math.max(1, Number(process.env['CUPOLA_FAULT_CYCLES'] ?? 3));
/** Length of the publisher flap run: 12 s in `npm test`, CUPOLA_FAULT_FLAP_MS (e.g. 60000) for the long run. */
export const FLAP_MS = Math.max(4000, Number(process.env['CUPOLA_FAULT_FLAP_MS'] ?? 12_000));
/** A suite's timeout: a fixed part plus `perCycleMs` for each cycle (the long run has many). */
export function suiteTimeout(fixedMs: number, perCycleMs: number): number {
  return fixedMs + CYCLES * perCycleMs + FLAP_MS;
}

/** Bound asserted on every recovery; the measured values are printed. */
export const RECOVERY_BOUND_MS = 10_000;

export const FPS = 25;
export const FRAME_MS = 1000 / FPS;

/** A small camera (160x120, 25 fps, 1 s GOP, no audio) publishing to `url` with the bundled ffmpeg. */
export function camera(url: string, o: { format?: 'flv' | 'rtsp'; netns?: string } = {}): FfmpegRun {
  const { netns, ...format } = o;
  const args = ['-loglevel', 'error', ...syntheticCameraArgs(url, { size: '160x120', fps: FPS, gop: FPS, audio: false, bitrateK: 150, ...format })];
  return runFfmpeg(args, netns === undefined ? {} : { netns });
}

/** API tokens of the nodes started with `--api-token`, by API port: json() sends them. */
export const apiTokens = new Map<number, string>();

export async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const token = apiTokens.get(Number(new URL(url).port));
  const headers = { ...(init?.headers as Record<string, string> | undefined), ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) };
  const res = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(3000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export interface StreamItem {
  factory: string;
  path: string;
  publisher: { kind: string } | null;
  framesIn: number;
}

export async function liveStream(node: ServerProcess, factory: 'raw' | 'compressed', path: string): Promise<StreamItem | undefined> {
  const { items } = await json<{ items: StreamItem[] }>(node.apiUrl(`/api/v1/streams?factory=${factory}`));
  return items.find((s) => s.path === path && s.publisher !== null);
}

export const SMALL_PROFILE = { height: 96, bitrateKbps: 100, maxrateKbps: 150, bufsizeKbps: 200, preset: 'ultrafast', gopFrames: 25 };

export async function smallDefaultProfile(node: ServerProcess): Promise<void> {
  await json(node.apiUrl('/api/v1/profiles/default'), { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(SMALL_PROFILE) });
}

/**
 * Arrival time of the first video frame after an outage that ended at or after `t`: the first
 * frame at/after `t` that follows a pause of at least `minGapMs` (or opens a session).
 */
export function resumedAt(log: FrameLog, t: number, minGapMs = 150): number | undefined {
  const starts = new Set(log.sessionStarts);
  for (let i = 0; i < log.samples.length; i++) {
    const s = log.samples[i]!;
    if (s.at < t) continue;
    if (i === 0 || starts.has(i) || s.at - log.samples[i - 1]!.at >= minGapMs) return s.at;
  }
  return undefined;
}

/** Frames of `log` after index `from` arrived, with no gap, no step back and no session lost. */
export function assertUntouched(name: string, log: FrameLog, from: number, minFrames: number): number {
  const g = log.gaps(FRAME_MS, from + 1);
  const got = log.frames - from;
  assert.ok(got >= minFrames, `${name}: ${got} frames during the fault (expected ≥ ${minFrames})`);
  assert.equal(log.closes, 0, `${name}: the untouched reader's session ended (${log.lastError})`);
  assert.equal(g.backwards, 0, `${name}: timestamps went back`);
  assert.equal(g.lost, 0, `${name}: ${g.lost} frames lost (largest step ${g.maxStepMs} ms)`);
  return g.lost;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** Prints the fault's one-line JSON summary (the figures of docs/operations.md) and checks the bound. */
export function report(fault: string, recoveryMs: readonly number[], untouchedLost: number, extra: Record<string, unknown> = {}): void {
  const summary = {
    fault,
    cycles: recoveryMs.length,
    recoveryMs: { p50: percentile(recoveryMs, 50), max: Math.max(...recoveryMs) },
    untouchedFramesLost: untouchedLost,
    ...extra,
  };
  console.log(`FAULT ${JSON.stringify(summary)}`);
  for (const r of recoveryMs) assert.ok(r < RECOVERY_BOUND_MS, `${fault}: recovered in ${r} ms (bound ${RECOVERY_BOUND_MS} ms)`);
}

/** Stops meters, ignoring those already stopped. */
export async function stopMeters(...meters: (FrameMeter | undefined)[]): Promise<void> {
  await Promise.all(meters.map((m) => m?.stop()));
}

/** Resolves once `log` has `n` more frames than `from`, or fails after `timeoutMs`. */
export async function framesAfter(log: FrameLog, from: number, n: number, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (log.frames < from + n) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${n} frames at ${what} (${log.frames - from} so far; last error ${log.lastError})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Flags that pin a node to the ports another run of it had (a restart on the same address); a role without a listener announces null for it. */
export function samePorts(node: ServerProcess): string[] {
  const p = node.ports;
  const flags: [string, number | null][] = [['--rtmp-port', p.rtmp], ['--rtsp-port', p.rtsp], ['--compressed-rtsp-port', p.compressedRtsp], ['--api-port', p.api]];
  return flags.filter(([, v]) => v !== null && v !== undefined).flatMap(([f, v]) => [f, String(v)]);
}

/**
 * When frames flow in real time again after `t`: the arrival time of the first frame of the first
 * run of `frames` frames (one second of video) that arrived within `windowMs`.
 */
export function realTimeAt(log: FrameLog, t: number, frames = FPS, windowMs = 1200): number | undefined {
  const start = log.samples.findIndex((s) => s.at >= t);
  if (start < 0) return undefined;
  for (let j = start; j + frames - 1 < log.samples.length; j++) {
    const end = log.samples[j + frames - 1]!;
    if (end.at - log.samples[j]!.at <= windowMs) return log.samples[j]!.at;
  }
  return undefined;
}

/**
 * When `hit` is live again after `t`: the arrival of its first frame after `t` that arrived at most
 * `maxLagMs` after the same frame (same timestamp) reached `ref`, a reader at the origin. A
 * backlog flushed at once after a stall or a throttle is late, so it does not count.
 */
export function liveAgainAt(hit: FrameLog, ref: FrameLog, t: number, maxLagMs = 300): number | undefined {
  const refAt = new Map<number, number>();
  for (const s of ref.samples) if (s.at >= t - 60_000) refAt.set(s.dts, s.at);
  for (const s of hit.samples) {
    if (s.at < t) continue;
    const r = refAt.get(s.dts);
    if (r !== undefined && s.at - r <= maxLagMs) return s.at;
  }
  return undefined;
}

/** Median lag of `hit` behind `ref` over their common frames (same timestamps) after `t`; undefined when none match. */
export function medianLag(hit: FrameLog, ref: FrameLog, t: number): number | undefined {
  const refAt = new Map<number, number>();
  for (const s of ref.samples) if (s.at >= t - 60_000) refAt.set(s.dts, s.at);
  const lags = hit.samples.filter((s) => s.at >= t && refAt.has(s.dts)).map((s) => s.at - refAt.get(s.dts)!);
  return lags.length === 0 ? undefined : percentile(lags, 50);
}
