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

async function main(): Promise<void> {
  const seconds = arg('--seconds', 20);
  const latencySeconds = arg('--latency-seconds', 10);
  const dir = mkdtempSync(join(tmpdir(), 'cupola-bench-compression-'));
  try {
    const raw = await makeRawCamera(dir, seconds);
    const rawBytes = readFileSync(raw);
    const rawVideo = flvTags(rawBytes).filter((t) => t.type === FlvTagType.Video);
    const inputKbps = (rawVideo.reduce((a, t) => a + t.body.length - 5, 0) * 8) / seconds / 1000;
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
