/**
 * Compression benchmark (issue 5): a realistic 720p25 camera (testsrc2 with motion + temporal sensor
 * noise, ~4 Mbit/s H.264) compressed by the default profile and others, with the exact ffmpeg
 * arguments the worker uses (workers/ffmpeg-args.ts). Per profile:
 *   - output video bitrate as a share of the input (payload bytes of the parsed streams),
 *   - SSIM of the compressed stream against the raw one scaled to the same size (ffmpeg ssim),
 *   - CPU per camera in cores: CPU seconds of ffmpeg (decode + scale + encode) per second of video,
 *     both as fast as possible (`times` of the shell) and at real-time pace (/proc/PID/stat),
 *   - added latency: the raw stream is fed to ffmpeg's stdin at real-time pace; per frame, the time
 *     from writing its input tag to parsing its compressed output from ffmpeg's stdout.
 *
 * Run: node --import tsx bench/compression/compression.bench.ts [--seconds 20] [--latency-seconds 10]
 *      [--sweep]                 encoder settings table (presets, threads, decoder threads, size, rate
 *                                control, frame rate): CPU per camera, bandwidth saved, SSIM
 *      [--cameras 4,5,6,7,8]     N cameras at once, real-time input, every ffmpeg pinned to one core
 *      [--core 1] [--camera-seconds 30]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import { FlvDemuxer, type FlvTag } from '../../protocols/flv/flv-demuxer.ts';
import { FlvTagType } from '../../protocols/flv/constants.ts';
import { buildFfmpegArgs, pipeContainer, LIVE_DECODER_ARGS } from '../../workers/ffmpeg-args.ts';
import { createContainerParser } from '../../workers/container-parser.ts';
import { DEFAULT_COMPRESSION_PROFILE, type CompressionProfile } from '../../workers/messages.ts';
import type { Frame, StreamDescription } from '../../protocols/media/frame.ts';

const FFMPEG = ffmpegInstaller.path;

export const BENCH_PROFILES: readonly CompressionProfile[] = [
  DEFAULT_COMPRESSION_PROFILE,
  { ...DEFAULT_COMPRESSION_PROFILE, id: 'low-360p', height: 360, bitrateKbps: 400, maxrateKbps: 500, bufsizeKbps: 800 },
  { ...DEFAULT_COMPRESSION_PROFILE, id: 'hevc-480p', codec: 'h265', preset: 'ultrafast', bitrateKbps: 500, maxrateKbps: 625, bufsizeKbps: 1000 },
  { ...DEFAULT_COMPRESSION_PROFILE, id: 'hd-720p', height: 720, bitrateKbps: 1200, maxrateKbps: 1500, bufsizeKbps: 2400 },
];

function listArg(name: string): number[] | undefined {
  const i = process.argv.indexOf(name);
  if (i === -1) return undefined;
  const values = (process.argv[i + 1] ?? '').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
  if (values.length === 0) throw new Error(`${name} takes a comma-separated list of counts, e.g. 4,6,8`);
  return values;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i === -1 ? undefined : Number(process.argv[i + 1]);
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : fallback;
}

interface ShellRun {
  readonly stderr: string;
  /** user + system CPU seconds of the shell's children (ffmpeg). */
  readonly cpuSeconds: number;
}

/** Runs ffmpeg under sh and reads its CPU time with the shell's `times` builtin. */
async function runTimed(args: readonly string[], stdoutFile = '/dev/null'): Promise<ShellRun> {
  const script = '"$@" 3>/dev/null >"$OUT" 2>"$OUT.err"; rc=$?; times; cat "$OUT.err" >&2; exit $rc';
  const child = spawn('/bin/sh', ['-c', script, 'sh', FFMPEG, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, OUT: stdoutFile === '/dev/null' ? join(tmpdir(), `cupola-bench-${process.pid}.null`) : stdoutFile },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`ffmpeg failed (${code}): ${err.slice(-2000)}`);
  // `times`: line 1 = the shell, line 2 = its children: "0m5.150000s 0m0.160000s".
  const children = out.trim().split('\n').at(-1) ?? '';
  const secs = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return { stderr: err, cpuSeconds: secs.reduce((a, b) => a + b, 0) };
}

/** Parses a pipe output (FLV or MPEG-TS) into its description and video frames. */
function parseOutput(bytes: Buffer, container: 'flv' | 'mpegts'): { desc: StreamDescription | undefined; video: Frame[] } {
  let desc: StreamDescription | undefined;
  const video: Frame[] = [];
  const p = createContainerParser(container, {
    onDescription: (d) => (desc = d),
    onMetadata: () => {},
    onFrame: (f) => f.track === 'video' && video.push(f),
  });
  p.push(bytes);
  return { desc, video };
}

function flvTags(bytes: Buffer): FlvTag[] {
  const tags: FlvTag[] = [];
  new FlvDemuxer((t) => tags.push(t)).push(bytes);
  return tags;
}

async function makeRawCamera(dir: string, seconds: number): Promise<string> {
  const file = join(dir, 'raw.flv');
  await runTimed([
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=25', '-t', String(seconds),
    // Sensor-like noise: temporal + uniform on luma, weaker on chroma.
    '-vf', 'noise=c0s=10:c0f=t+u:c1s=4:c1f=t+u:c2s=4:c2f=t+u,format=yuv420p',
    '-c:v', 'libx264', '-preset', 'veryfast', '-b:v', '4000k', '-maxrate', '4000k', '-bufsize', '8000k',
    // No B-frames, as IP cameras stream (a reordering decoder would add its own delay).
    '-bf', '0', '-g', '50', '-keyint_min', '50', '-sc_threshold', '0', '-f', 'flv', '-y', file,
  ]);
  return file;
}

async function ssim(compressed: string, raw: string, width: number, height: number): Promise<number> {
  const r = await runTimed([
    '-hide_banner', '-nostdin', '-i', compressed, '-i', raw,
    '-lavfi', `[0:v]setpts=PTS-STARTPTS[a];[1:v]scale=${width}:${height},setpts=PTS-STARTPTS[b];[a][b]ssim`,
    '-f', 'null', '-',
  ]);
  const m = /All:([\d.]+)/.exec(r.stderr);
  if (m === null) throw new Error(`no SSIM in: ${r.stderr.slice(-500)}`);
  return Number(m[1]);
}

/** USER_HZ of /proc/PID/stat on Linux. */
const CLOCK_TICKS_PER_S = 100;

function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
  } catch {
    return Number.NaN;
  }
}

/**
 * Feeds the raw tags at real-time pace; returns per-frame latencies (ms) and real-time CPU cores.
 * `-fflags nobuffer` drops what ffmpeg reads while probing its input, so the measure is the steady
 * state (the probe is a one-time start-up delay, not added latency); frames are matched by
 * timestamp (ffmpeg 4.1's MPEG-TS muxer shifts them by its 1.4 s mux delay).
 */
async function latencyRun(profile: CompressionProfile, rawBytes: Buffer, seconds: number): Promise<{ latencies: number[]; cores: number }> {
  const tags = flvTags(rawBytes).filter((t) => t.timestampMs <= seconds * 1000);
  const inputArgs = ['-f', 'flv', '-fflags', 'nobuffer', ...LIVE_DECODER_ARGS, '-analyzeduration', '1000000'];
  const args = buildFfmpegArgs({ inputUrl: 'pipe:0', inputArgs, profile: { ...profile, audio: 'drop' }, output: { kind: 'frames' } })
    .filter((a, i, all) => a !== '-progress' && all[i - 1] !== '-progress');
  const child = spawn(FFMPEG, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const arrivals: Array<[pts: number, at: number]> = [];
  const parser = createContainerParser(pipeContainer(profile.codec), {
    onDescription: () => {},
    onMetadata: () => {},
    onFrame: (f) => f.track === 'video' && arrivals.push([f.pts, performance.now()]),
  });
  child.stdout.on('data', (b: Buffer) => parser.push(b));
  child.stderr.resume();
  child.stdin.on('error', () => {}); // ffmpeg may close its input first at the end
  const writes = new Map<number, number>();
  child.stdin.write(Buffer.from([0x46, 0x4c, 0x56, 1, 0x01, 0, 0, 0, 9, 0, 0, 0, 0])); // FLV header, video
  const start = performance.now();
  let cpuStart = Number.NaN;
  let cpuStartAt = 0;
  for (const t of tags) {
    const wait = start + t.timestampMs - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    if (Number.isNaN(cpuStart) && t.timestampMs >= 2000) {
      cpuStart = cpuTicks(child.pid!);
      cpuStartAt = performance.now();
    }
    const tag = Buffer.alloc(11 + t.body.length + 4);
    tag[0] = t.type;
    tag.writeUIntBE(t.body.length, 1, 3);
    tag.writeUIntBE(t.timestampMs & 0xffffff, 4, 3);
    tag[7] = (t.timestampMs >>> 24) & 0xff;
    t.body.copy(tag, 11);
    tag.writeUInt32BE(11 + t.body.length, 11 + t.body.length);
    child.stdin.write(tag);
    // AVCPacketType 1 = coded frame (0 is the sequence header); zerolatency: pts = dts.
    if (t.type === FlvTagType.Video && t.body[1] === 1) writes.set(t.timestampMs, performance.now());
  }
  const cores = (cpuTicks(child.pid!) - cpuStart) / CLOCK_TICKS_PER_S / ((performance.now() - cpuStartAt) / 1000);
  child.stdin.end();
  await new Promise((r) => child.on('exit', r));
  let best: number[] = [];
  for (const offset of [0, 1400]) {
    const lat = arrivals.flatMap(([pts, at]) => {
      const w = writes.get(Math.round(pts - offset));
      return w === undefined ? [] : [at - w];
    });
    if (lat.length > best.length) best = lat;
  }
  return { latencies: best, cores };
}

function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
}

export interface BenchRow {
  profile: string;
  codec: string;
  size: string;
  targetKbps: number;
  inputKbps: number;
  outputKbps: number;
  share: number;
  ssim: number;
  coresBatch: number;
  coresRealtime: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
}

/** One point of the encoder-settings sweep: a profile plus the decoder's options. */
interface SweepPoint {
  readonly name: string;
  readonly profile: CompressionProfile;
  readonly decoderArgs: readonly string[];
}

const D = DEFAULT_COMPRESSION_PROFILE;
/** LIVE_DECODER_ARGS without its `-threads 1`: the decoder picks its slice-thread count. */
const DECODER_AUTO_THREADS = ['-flags', 'low_delay'];

export const SWEEP: readonly SweepPoint[] = [
  ...(['ultrafast', 'superfast', 'veryfast', 'faster'] as const).flatMap((preset) => [
    { name: `${preset}, 1 thread`, profile: { ...D, preset, threads: 1 }, decoderArgs: LIVE_DECODER_ARGS },
    { name: `${preset}, encoder threads auto`, profile: { ...D, preset, threads: 0 }, decoderArgs: LIVE_DECODER_ARGS },
  ]),
  { name: 'superfast, 1 thread, decoder threads auto', profile: { ...D, preset: 'superfast', threads: 1 }, decoderArgs: DECODER_AUTO_THREADS },
  { name: 'veryfast, all threads auto (the old default)', profile: { ...D, preset: 'veryfast', threads: 0 }, decoderArgs: DECODER_AUTO_THREADS },
  { name: 'superfast, 1 thread, strict CBR (maxrate = bitrate)', profile: { ...D, preset: 'superfast', threads: 1, maxrateKbps: D.bitrateKbps, bufsizeKbps: D.bitrateKbps }, decoderArgs: LIVE_DECODER_ARGS },
  { name: 'superfast, 1 thread, 15 fps', profile: { ...D, preset: 'superfast', threads: 1, fps: 15, gopFrames: 30 }, decoderArgs: LIVE_DECODER_ARGS },
  { name: 'superfast, 1 thread, 360p 500 kbit/s', profile: { ...D, preset: 'superfast', threads: 1, height: 360, bitrateKbps: 500, maxrateKbps: 625, bufsizeKbps: 1000 }, decoderArgs: LIVE_DECODER_ARGS },
  { name: 'superfast, 1 thread, no scaling (720p 1200 kbit/s)', profile: { ...D, preset: 'superfast', threads: 1, height: undefined, bitrateKbps: 1200, maxrateKbps: 1500, bufsizeKbps: 2400 }, decoderArgs: LIVE_DECODER_ARGS },
];

interface SweepRow {
  readonly name: string;
  readonly size: string;
  readonly outputKbps: number;
  readonly saved: number;
  readonly ssim: number;
  readonly cores: number;
}

async function sweep(dir: string, raw: string, inputKbps: number, seconds: number): Promise<SweepRow[]> {
  const rows: SweepRow[] = [];
  // Decoding alone, the floor under every row.
  const decode = await runTimed(['-hide_banner', '-nostdin', ...LIVE_DECODER_ARGS, '-i', raw, '-map', '0:v:0', '-f', 'null', '-']);
  rows.push({ name: 'decode only (no scaling, no encoding)', size: '1280x720', outputKbps: 0, saved: Number.NaN, ssim: Number.NaN, cores: decode.cpuSeconds / seconds });
  for (const [i, point] of SWEEP.entries()) {
    const container = pipeContainer(point.profile.codec);
    const out = join(dir, `sweep-${i}.${container === 'flv' ? 'flv' : 'm2t'}`);
    const args = buildFfmpegArgs({ inputUrl: raw, inputArgs: [...point.decoderArgs], profile: { ...point.profile, audio: 'drop' }, output: { kind: 'frames' } });
    const run = await runTimed(args, out);
    const { desc, video } = parseOutput(readFileSync(out), container);
    const width = desc?.video?.width ?? 0;
    const height = desc?.video?.height ?? 0;
    const outputKbps = (video.reduce((a, f) => a + f.payload.length, 0) * 8) / seconds / 1000;
    rows.push({ name: point.name, size: `${width}x${height}`, outputKbps, saved: 1 - outputKbps / inputKbps, ssim: await ssim(out, raw, width, height), cores: run.cpuSeconds / seconds });
    rmSync(out, { force: true });
  }
  return rows;
}

function printSweep(rows: readonly SweepRow[]): void {
  const f = (n: number, d = 0): string => (Number.isNaN(n) ? '–' : n.toFixed(d));
  console.log('');
  console.log(`Encoder settings, 854x480 800 kbit/s (default size and rate) unless named; CPU = ffmpeg user+system seconds per second of video (decode + scale + encode, as fast as possible).`);
  console.log('');
  console.log('| settings | output size | output kbit/s | bandwidth saved | SSIM vs raw | CPU cores per camera |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.name} | ${r.size} | ${f(r.outputKbps)} | ${f(r.saved * 100, 1)} % | ${f(r.ssim, 4)} | ${f(r.cores, 3)} |`);
}

/** Frames encoded so far by one ffmpeg, read from its `-progress` blocks. */
function progressFrames(child: ReturnType<typeof spawn>): () => number {
  let frames = 0;
  let pending = '';
  child.stdio[3]!.on('data', (b: Buffer) => {
    pending += b.toString('latin1');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('frame=')) frames = Number(line.slice(6));
  });
  return () => frames;
}

interface CamerasRow {
  readonly cameras: number;
  readonly minFps: number;
  readonly medianFps: number;
  readonly coreBusy: number;
}

/**
 * N cameras compressed at once with the default profile, each reading the raw clip at real-time
 * pace (`-re`, looped), every ffmpeg pinned to one core with taskset. A camera keeps up when it
 * encodes at its input rate (25 fps) between the warm-up and the end.
 */
async function cameras(raw: string, counts: readonly number[], core: number, seconds: number): Promise<CamerasRow[]> {
  const rows: CamerasRow[] = [];
  const warmupMs = 5000;
  for (const n of counts) {
    const children = Array.from({ length: n }, () => {
      const args = buildFfmpegArgs({
        inputUrl: raw, inputArgs: ['-re', '-stream_loop', '-1', ...LIVE_DECODER_ARGS],
        profile: { ...DEFAULT_COMPRESSION_PROFILE, audio: 'drop' }, output: { kind: 'frames' },
      });
      return spawn('taskset', ['-c', String(core), FFMPEG, ...args], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
    });
    try {
      const frames = children.map(progressFrames);
      await new Promise((r) => setTimeout(r, warmupMs));
      const f0 = frames.map((f) => f());
      const c0 = children.map((c) => cpuTicks(c.pid!));
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, seconds * 1000));
      const elapsed = (performance.now() - t0) / 1000;
      const fps = frames.map((f, i) => (f() - f0[i]!) / elapsed).sort((a, b) => a - b);
      const cpu = children.reduce((a, c, i) => a + (cpuTicks(c.pid!) - c0[i]!), 0) / CLOCK_TICKS_PER_S / elapsed;
      rows.push({ cameras: n, minFps: fps[0] ?? 0, medianFps: percentile(fps, 50), coreBusy: cpu });
    } finally {
      for (const c of children) c.kill('SIGKILL');
      await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
    }
  }
  return rows;
}

function printCameras(rows: readonly CamerasRow[], core: number, seconds: number): void {
  console.log('');
  console.log(`Cameras on one core: N default-profile ffmpegs pinned to CPU ${core} (taskset), real-time 25 fps input each, ${seconds} s after a 5 s warm-up.`);
  console.log('');
  console.log('| cameras | slowest camera fps | median fps | core busy (sum of ffmpeg CPU) | every camera keeps up (>= 24.5 fps) |');
  console.log('| ---: | ---: | ---: | ---: | --- |');
  for (const r of rows) console.log(`| ${r.cameras} | ${r.minFps.toFixed(1)} | ${r.medianFps.toFixed(1)} | ${r.coreBusy.toFixed(2)} | ${r.minFps >= 24.5 ? 'yes' : 'no'} |`);
}

async function main(): Promise<void> {
  const seconds = arg('--seconds', 20);
  const latencySeconds = arg('--latency-seconds', 10);
  const dir = mkdtempSync(join(tmpdir(), 'cupola-bench-compression-'));
  try {
    const raw = await makeRawCamera(dir, seconds);
    const rawBytes = readFileSync(raw);
    const rawVideo = flvTags(rawBytes).filter((t) => t.type === FlvTagType.Video);
    const inputKbps = (rawVideo.reduce((a, t) => a + t.body.length - 5, 0) * 8) / seconds / 1000;
    const cameraCounts = listArg('--cameras');
    if (process.argv.includes('--sweep') || cameraCounts !== undefined) {
      console.log(`Raw camera: 1280x720 25 fps testsrc2 + temporal noise, ${seconds} s; ${inputKbps.toFixed(0)} kbit/s of video measured.`);
      if (process.argv.includes('--sweep')) printSweep(await sweep(dir, raw, inputKbps, seconds));
      if (cameraCounts !== undefined) {
        const core = arg('--core', 1);
        const camSeconds = arg('--camera-seconds', 30);
        printCameras(await cameras(raw, cameraCounts, core, camSeconds), core, camSeconds);
      }
      return;
    }
    const rows: BenchRow[] = [];
    for (const profile of BENCH_PROFILES) {
      const container = pipeContainer(profile.codec);
      const out = join(dir, `${profile.id}.${container === 'flv' ? 'flv' : 'm2t'}`);
      const args = buildFfmpegArgs({ inputUrl: raw, inputArgs: [...LIVE_DECODER_ARGS], profile: { ...profile, audio: 'drop' }, output: { kind: 'frames' } });
      const run = await runTimed(args, out);
      const { desc, video } = parseOutput(readFileSync(out), container);
      const width = desc?.video?.width ?? 0;
      const height = desc?.video?.height ?? 0;
      const outputKbps = (video.reduce((a, f) => a + f.payload.length, 0) * 8) / seconds / 1000;
      const quality = await ssim(out, raw, width, height);
      const lat = await latencyRun(profile, rawBytes, latencySeconds);
      rows.push({
        profile: profile.id,
        codec: profile.codec,
        size: `${width}x${height}`,
        targetKbps: profile.bitrateKbps,
        inputKbps,
        outputKbps,
        share: outputKbps / inputKbps,
        ssim: quality,
        coresBatch: run.cpuSeconds / seconds,
        coresRealtime: lat.cores,
        latencyP50Ms: percentile(lat.latencies, 50),
        latencyP95Ms: percentile(lat.latencies, 95),
      });
    }
    printTable(rows, seconds);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function printTable(rows: readonly BenchRow[], seconds: number): void {
  const f = (n: number, d = 0): string => n.toFixed(d);
  console.log(`Raw camera: 1280x720 25 fps testsrc2 + temporal noise, libx264 veryfast 4 Mbit/s without B-frames, ${seconds} s; ${rows[0]?.inputKbps.toFixed(0)} kbit/s of video measured.`);
  console.log('');
  console.log('| profile | codec | output size | target kbit/s | output kbit/s | share of input | bandwidth saved | SSIM vs raw | CPU cores (batch) | CPU cores (real time) | added latency p50 / p95 |');
  console.log('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(
      `| ${r.profile} | ${r.codec} | ${r.size} | ${r.targetKbps} | ${f(r.outputKbps)} | ${f(r.share * 100, 1)} % | ${f((1 - r.share) * 100, 1)} % | ${f(r.ssim, 4)} | ${f(r.coresBatch, 2)} | ${f(r.coresRealtime, 2)} | ${f(r.latencyP50Ms)} / ${f(r.latencyP95Ms)} ms |`,
    );
  }
}

await main();
