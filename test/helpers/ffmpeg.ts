/**
 * Drives the bundled ffmpeg (@ffmpeg-installer/ffmpeg) from tests: every process is tracked by PID
 * and killed by `stop()` or `killAll()`; every wait is bounded in time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';

export const ffmpegPath: string = ffmpegInstaller.path;

export interface FfmpegRun {
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Everything ffmpeg wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal) once the process ends. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends SIGKILL (if still running) and waits for the exit. */
  stop(): Promise<void>;
}

const running = new Set<FfmpegRun>();

/** Spawns ffmpeg with `-hide_banner -nostats` prepended (in network namespace `netns` when given); stdout is discarded unless `stdout` is given. */
export function runFfmpeg(args: readonly string[], opts: { stdout?: (b: Buffer) => void; stdin?: boolean; netns?: string } = {}): FfmpegRun {
  const argv = ['-hide_banner', '-nostats', ...args];
  // In a network namespace through `ip netns exec`, which execs ffmpeg: the PID stays ffmpeg's.
  const proc = spawn(opts.netns === undefined ? ffmpegPath : 'ip', opts.netns === undefined ? argv : ['netns', 'exec', opts.netns, ffmpegPath, ...argv], {
    stdio: [opts.stdin ? 'pipe' : 'ignore', opts.stdout ? 'pipe' : 'ignore', 'pipe'],
  });
  let err = '';
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (s: string) => {
    err += s;
    if (err.length > 200_000) err = err.slice(-100_000);
  });
  if (opts.stdout) proc.stdout!.on('data', opts.stdout);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('exit', (code, signal) => resolve({ code, signal }));
    proc.on('error', () => resolve({ code: -1, signal: null }));
  });
  if (proc.pid === undefined) throw new Error('ffmpeg did not start');
  const run: FfmpegRun = {
    proc,
    pid: proc.pid,
    stderr: () => err,
    exited,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
      running.delete(run);
    },
  };
  running.add(run);
  void exited.then(() => running.delete(run));
  return run;
}

/** Kills every ffmpeg this module started that is still running. */
export async function killAllFfmpeg(): Promise<void> {
  await Promise.all([...running].map((r) => r.stop()));
}

/** Resolves when the process exits, or rejects after `ms`. */
export async function waitExit(run: FfmpegRun, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      run.exited,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`ffmpeg ${run.pid} still running after ${ms} ms; stderr tail:\n${run.stderr().slice(-2000)}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Args that publish a synthetic camera (testsrc2 + sine, libx264 + aac) to `url` in real time.
 * Small by default so suites stay fast on 2 cores.
 */
export function syntheticCameraArgs(
  url: string,
  o: { size?: string; fps?: number; gop?: number; seconds?: number; format?: 'flv' | 'rtsp'; rtspTransport?: 'tcp' | 'udp'; audio?: boolean; bitrateK?: number; preset?: string } = {},
): string[] {
  const size = o.size ?? '320x240';
  const fps = o.fps ?? 25;
  const gop = o.gop ?? 50;
  const args = ['-re', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${fps}`];
  if (o.audio !== false) args.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100');
  if (o.seconds !== undefined) args.push('-t', String(o.seconds));
  args.push('-c:v', 'libx264', '-preset', o.preset ?? 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0');
  if (o.bitrateK !== undefined) args.push('-b:v', `${o.bitrateK}k`);
  if (o.audio !== false) args.push('-c:a', 'aac', '-b:a', '64k', '-ar', '44100', '-ac', '1');
  const format = o.format ?? 'flv';
  if (format === 'rtsp') args.push('-f', 'rtsp', '-rtsp_transport', o.rtspTransport ?? 'tcp', url);
  else args.push('-f', 'flv', url);
  return args;
}

export interface ProbeResult {
  codec: string | undefined;
  width: number | undefined;
  height: number | undefined;
  audioCodec: string | undefined;
  videoFrames: number;
  stderr: string;
}

/**
 * Reads `url` with ffmpeg for at most `frames` video frames (and `timeoutMs`), decoding every
 * frame to the null muxer; returns codec/resolution from the input banner and the frame count.
 */
export async function readWithFfmpeg(
  url: string,
  o: { frames: number; timeoutMs: number; inputArgs?: string[]; extraArgs?: string[] },
): Promise<ProbeResult> {
  const run = runFfmpeg([
    '-loglevel', 'info',
    ...(o.inputArgs ?? []),
    '-i', url,
    '-map', '0:v:0', '-frames:v', String(o.frames),
    ...(o.extraArgs ?? []),
    '-f', 'null', '-',
  ]);
  try {
    await waitExit(run, o.timeoutMs);
  } catch {
    // reported below through the frame count; the process is killed in finally
  } finally {
    await run.stop();
  }
  return parseFfmpegOutput(run.stderr());
}

export function parseFfmpegOutput(stderr: string): ProbeResult {
  const inputPart = stderr.split(/\nOutput #0/)[0] ?? stderr;
  const video = /Stream #0:\d+.*?: Video: (\w+)[^\n]*?, (\d{2,5})x(\d{2,5})/.exec(inputPart);
  const audio = /Stream #0:\d+.*?: Audio: (\w+)/.exec(inputPart);
  const frameMatches = [...stderr.matchAll(/frame=\s*(\d+)/g)];
  const last = frameMatches.at(-1);
  return {
    codec: video?.[1],
    width: video ? Number(video[2]) : undefined,
    height: video ? Number(video[3]) : undefined,
    audioCodec: audio?.[1],
    videoFrames: last ? Number(last[1]) : 0,
    stderr,
  };
}

/** Lines of ffmpeg stderr that report decoding trouble. */
export function decoderErrors(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => /error while decoding|concealing|corrupt|Invalid data found|non-existing PPS|no frame!|missing picture/i.test(l));
}
