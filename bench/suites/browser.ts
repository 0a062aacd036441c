/**
 * Browser playback (issue 12): one Cupola slave of its own, one camera (the load generator
 * replaying a 720p25 ~4 Mbit/s H.264 + AAC file, GOP 1 s, its frame number burnt into the picture,
 * every frame's send time recorded), then in headless Chromium (playwright-core, a fresh browser
 * context per page) the dashboard's own player modes on a bare page (bench/lib/browser-page.ts):
 *  1. page open -> first picture, K times each: WebRTC (WHEP), LL-HLS cold (no muxer running: the
 *     page's request starts it, GOP cache replayed) and LL-HLS warm (another viewer keeps it up);
 *  2. latency behind the camera: every presented frame's burnt-in number mapped to the time the
 *     publisher sent that frame, over `latencySeconds` of playback per mode;
 *  3. server CPU with the browser closed: no viewer, RTSP readers, LL-HLS viewers (plain HTTP
 *     clients, bench/load/hls-viewer.ts) and WebRTC viewers (werift, bench/load/whep-viewer.ts) of
 *     the same camera, step after step in this one run.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { CAMERA_720P_BROWSER, ensureFlv } from '../lib/media.ts';
import type { LoadGen } from '../lib/loadgen-client.ts';
import { startCupola } from '../lib/servers.ts';
import { BENCH_PAGE_PATH, benchPageHtml, type PageState } from '../lib/browser-page.ts';
import type { ReaderProto } from '../load/loadgen.ts';
import { measureCpu, round, sleep, type SuiteOptions } from './common.ts';

export const CHROMIUM = process.env['CUPOLA_CHROMIUM'] ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
];
const CAMERA = 'site4/cam1';
/** hls.idleStopMs of this suite's server (the minimum): a cold LL-HLS start can be repeated every few seconds. */
const HLS_IDLE_STOP_MS = 1000;
const FIRST_FRAME_TIMEOUT_MS = 15_000;

export interface BrowserOptions {
  /** Pages per first-picture series. */
  readonly repeats: number;
  /** Seconds of playback per latency series. */
  readonly latencySeconds: number;
  readonly hlsViewers: readonly number[];
  readonly whepViewers: readonly number[];
  readonly rtspReaders: readonly number[];
}

export interface Summary { n: number; median: number; p90: number; max: number; min: number }

export interface FirstFrameSeries {
  mode: 'webrtc' | 'hls-cold' | 'hls-warm';
  /** navigation start -> expectedDisplayTime of the first presented frame, ms. */
  firstFrameMs: Summary;
  /** First streaming request (WHEP POST, index.m3u8) start -> first picture, ms: without the page's and the scripts' loading. */
  fromPlayerRequestMs: Summary;
  /** The same page's first frame: how far behind the camera it was, ms. */
  firstFrameBehindMs: Summary;
  runs: { firstFrameMs: number; presentationMs: number; behindMs: number; index: number; width: number; scriptMs: number; requests: [string, number, number][] }[];
  failures: string[];
}

export interface LatencySeries {
  mode: 'webrtc' | 'hls' | 'hls-1x';
  seconds: number;
  latencyMs: Summary;
  frames: number;
  undecoded: number;
  /** Presented frames per second over the collection window. */
  fps: number;
  statuses: string[];
}

export interface CpuRow {
  proto: 'none' | ReaderProto;
  viewers: number;
  connected: number;
  windowSec: number;
  servedGB: number;
  cpuSeconds: number;
  serverCores: number;
  cpuSecondsPerGB: number;
  /** (server cores - cores with no viewer) / viewers, in thousandths of a core. */
  marginalMilliCoresPerViewer: number;
  perViewerMbps: number;
  /** WebRTC: what the server handed to its sessions (RTP before SRTP, /api/v1/webrtc/sessions), per viewer. */
  serverSentPerViewerMbps: number;
  /** WebRTC: packets the viewers reported lost in their RTCP receiver reports (cupola_webrtc_packets_lost_total). */
  reportedLostPackets: number;
  publishMbps: number;
  keepingUpShare: number;
  rssMb: number;
  loadgenCores: number;
  errors: string[];
}

export interface BrowserResult {
  camera: { width: number; height: number; fps: number; videoKbps: number; gopSeconds: number };
  chromium: string;
  firstFrame: FirstFrameSeries[];
  latency: LatencySeries[];
  cpu: CpuRow[];
  clock: { loadgenOffsetMs: number; pageOffsetMs: number[] };
  skipped?: string;
}

export function summary(values: readonly number[]): Summary {
  const s = [...values].filter(Number.isFinite).sort((a, b) => a - b);
  const at = (q: number) => (s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.floor(q * s.length))]!);
  return { n: s.length, median: round(at(0.5), 1), p90: round(at(0.9), 1), max: round(s.at(-1) ?? Number.NaN, 1), min: round(s[0] ?? Number.NaN, 1) };
}

/** Send times of the camera, to map a burnt-in frame number seen at `epochMs` to its send time. */
class SendClock {
  constructor(readonly framesPerLoop: number, readonly sendEpochMs: readonly number[], readonly offsetMs: number) {}

  /** ms between the newest send of frame `index` (of the file) at or before `epochMs` and `epochMs`. */
  behind(index: number, epochMs: number, pageOffsetMs: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.framesPerLoop) return Number.NaN; // undecoded (-1)
    const at = epochMs + pageOffsetMs - this.offsetMs; // the page's clock on the load generator's axis
    let best = Number.NaN;
    for (let g = index; g < this.sendEpochMs.length; g += this.framesPerLoop) {
      const sent = this.sendEpochMs[g]!;
      if (sent > at) break;
      best = at - sent;
    }
    return best;
  }
}

export async function runBrowser(o: SuiteOptions, b: BrowserOptions, gen: LoadGen): Promise<BrowserResult> {
  const spec = CAMERA_720P_BROWSER;
  const result: BrowserResult = {
    camera: { width: spec.width, height: spec.height, fps: spec.fps, videoKbps: spec.videoKbps, gopSeconds: (spec.gop ?? spec.fps * 2) / spec.fps },
    chromium: CHROMIUM, firstFrame: [], latency: [], cpu: [], clock: { loadgenOffsetMs: Number.NaN, pageOffsetMs: [] },
  };
  if (!existsSync(CHROMIUM)) {
    result.skipped = `Chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set CUPOLA_CHROMIUM): browser suite not run`;
    o.log(result.skipped);
    return result;
  }
  const file = await ensureFlv(spec, o.log);
  const server = await startCupola({ settings: { hls: { idleStopMs: HLS_IDLE_STOP_MS } } });
  const api = `http://127.0.0.1:${server.ports['api']}`;
  o.log(`browser suite: cupola pid ${server.pid} ${JSON.stringify(server.ports)}`);
  let browser: Browser | undefined;
  try {
    await gen.send({ cmd: 'publish', id: 'br-cam', url: `rtmp://127.0.0.1:${server.ports['rtmp']}/${CAMERA}`, file, stamp: true, recordSends: true });
    const ready = await gen.send<{ publishing: number; total: number; errors: string[] }>({ cmd: 'publishers-ready', prefix: 'br-', timeoutMs: 10_000 });
    if (ready.publishing !== 1) throw new Error(`browser camera not publishing: ${JSON.stringify(ready)}`);
    await sleep(2500); // a whole GOP in the cache
    const clock = async (): Promise<SendClock> => {
      const t = await gen.send<{ framesPerLoop: number; sendEpochMs: number[]; clockOffsetMs: number }>({ cmd: 'sendTimes', id: 'br-cam' });
      result.clock.loadgenOffsetMs = round(t.clockOffsetMs, 3);
      return new SendClock(t.framesPerLoop, t.sendEpochMs, t.clockOffsetMs);
    };

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
    const html = benchPageHtml();
    /** Opens the bench page in a fresh context; resolves with the page state after `holdMs` of playback. */
    const open = async (mode: 'webrtc' | 'hls' | 'hls-1x', holdMs: number, collectAfterMs = 0): Promise<PageState> => {
      const context = await browser!.newContext({ viewport: { width: 1280, height: 720 } });
      try {
        const page = await context.newPage();
        await page.route(`${api}${BENCH_PAGE_PATH}*`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: html }));
        await page.goto(`${api}${BENCH_PAGE_PATH}?mode=${mode}&cam=${encodeURIComponent(CAMERA)}`, { waitUntil: 'commit', timeout: 10_000 });
        await page.waitForFunction(() => (window as unknown as { __bench?: PageState }).__bench?.first != null, undefined, { timeout: FIRST_FRAME_TIMEOUT_MS, polling: 50 });
        if (collectAfterMs > 0) {
          await sleep(collectAfterMs);
          await page.evaluate(() => void ((window as unknown as { __bench: PageState }).__bench.collect = true));
        }
        if (holdMs > 0) await sleep(holdMs);
        const state = await page.evaluate(() => (window as unknown as { __bench: PageState }).__bench);
        result.clock.pageOffsetMs.push(round(state.clockOffsetMs, 3));
        return state;
      } finally {
        await context.close();
      }
    };
    const hlsMuxers = async (): Promise<number> => {
      const text = await (await fetch(`${api}/metrics`, { signal: AbortSignal.timeout(3000) })).text();
      return Number(/cupola_hls_muxers\{factory="raw"\} (\d+)/.exec(text)?.[1] ?? 0);
    };

    // 1. Page open -> first picture.
    for (const series of ['webrtc', 'hls-cold', 'hls-warm'] as const) {
      o.log(`browser: first picture, ${series}, ${b.repeats} pages...`);
      if (series === 'hls-warm') await gen.send({ cmd: 'readers', proto: 'hls', url: `${api}/hls/raw/${CAMERA}/index.m3u8`, n: 1, probes: 0, timeoutMs: 10_000 });
      const runs: FirstFrameSeries['runs'] = [];
      const failures: string[] = [];
      for (let i = 0; i < b.repeats; i++) {
        if (series === 'hls-cold') {
          for (let k = 0; k < 100 && (await hlsMuxers()) > 0; k++) await sleep(100);
          if ((await hlsMuxers()) > 0) failures.push(`run ${i}: the LL-HLS muxer was still running (not cold)`);
        }
        try {
          const s = await open(series === 'webrtc' ? 'webrtc' : 'hls', 0);
          const f = s.first!;
          const c = await clock();
          runs.push({ firstFrameMs: round(f.expectedMs, 1), presentationMs: round(f.presentationMs, 1), behindMs: round(c.behind(f.index, f.expectedEpochMs, s.clockOffsetMs), 1), index: f.index, width: f.width, scriptMs: round(s.scriptMs, 1), requests: f.requests });
        } catch (err) {
          failures.push(`run ${i}: ${String((err as Error).message).split('\n')[0]}`);
        }
        await sleep(300);
      }
      if (series === 'hls-warm') await gen.send({ cmd: 'closeReaders' });
      const fromRequest = runs.map((r) => r.firstFrameMs - (r.requests.find(([p]) => p.startsWith('/whep/') || p.startsWith('/hls/'))?.[1] ?? Number.NaN));
      const row: FirstFrameSeries = { mode: series, firstFrameMs: summary(runs.map((r) => r.firstFrameMs)), fromPlayerRequestMs: summary(fromRequest), firstFrameBehindMs: summary(runs.map((r) => r.behindMs)), runs, failures };
      o.log(`  ${JSON.stringify({ ...row, runs: undefined })}`);
      result.firstFrame.push(row);
    }

    // 2. Latency behind the camera, steady playback (collection starts 3 s after the first picture).
    for (const mode of ['webrtc', 'hls', 'hls-1x'] as const) {
      o.log(`browser: latency, ${mode}, ${b.latencySeconds} s...`);
      const s = await open(mode, b.latencySeconds * 1000, 3000);
      const c = await clock();
      const lat = s.samples.map(([idx, at]) => c.behind(idx, at, s.clockOffsetMs));
      const span = s.samples.length > 1 ? (s.samples.at(-1)![1] - s.samples[0]![1]) / 1000 : Number.NaN;
      const row: LatencySeries = { mode, seconds: round(span, 1), latencyMs: summary(lat), frames: s.samples.length, undecoded: s.undecoded, fps: round((s.samples.length - 1) / span, 1), statuses: [...new Set(s.statuses)].slice(-3) };
      o.log(`  ${JSON.stringify(row)}`);
      result.latency.push(row);
    }
    await browser.close();
    browser = undefined;

    // 3. Server CPU, the same camera, step after step.
    const url = (proto: ReaderProto): string => proto === 'rtsp' ? `rtsp://127.0.0.1:${server.ports['rtsp']}/${CAMERA}`
      : proto === 'hls' ? `${api}/hls/raw/${CAMERA}/index.m3u8` : proto === 'whep' ? `${api}/whep/raw/${CAMERA}` : `rtmp://127.0.0.1:${server.ports['rtmp']}/${CAMERA}`;
    const steps: { proto: 'none' | ReaderProto; n: number }[] = [
      { proto: 'none', n: 0 },
      ...b.rtspReaders.map((n) => ({ proto: 'rtsp' as const, n })),
      ...b.hlsViewers.map((n) => ({ proto: 'hls' as const, n })),
      ...b.whepViewers.map((n) => ({ proto: 'whep' as const, n })),
    ];
    const apiErrors: string[] = [];
    /** Sum of the sessions' bytes handed to werift, and the lost packets reported; NaN when the API did not answer within 10 s. */
    const whepCounters = async (): Promise<{ sent: number; lost: number }> => {
      const t0 = Date.now();
      try {
        const list = (await (await fetch(`${api}/api/v1/webrtc/sessions`, { signal: AbortSignal.timeout(10_000) })).json()) as { items: { bytesSent: number }[] };
        const text = await (await fetch(`${api}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
        if (Date.now() - t0 > 1000) apiErrors.push(`API answered in ${Date.now() - t0} ms`);
        return { sent: list.items.reduce((a, i) => a + i.bytesSent, 0), lost: Number(/cupola_webrtc_packets_lost_total\{factory="raw"\} (\d+)/.exec(text)?.[1] ?? 0) };
      } catch (err) {
        apiErrors.push(`API did not answer within 10 s (${(err as Error).name})`);
        return { sent: Number.NaN, lost: Number.NaN };
      }
    };
    let idleCores = Number.NaN;
    for (const st of steps) {
      o.log(`browser: server CPU, ${st.proto} x${st.n}...`);
      const opened = st.proto === 'none'
        ? { ok: 0, errors: [] as string[] }
        : await gen.send<{ ok: number; errors: string[] }>({ cmd: 'readers', proto: st.proto, url: url(st.proto), n: st.n, probes: 0, timeoutMs: 20_000 }, 120_000);
      await sleep(o.settleSeconds * 1000);
      let r: { windowSec: number; pubBytes: number; delivered: number; keepingUp: number } | undefined;
      apiErrors.length = 0;
      let sent = 0;
      let lost = 0;
      const cpu = await measureCpu(server.pid, gen.pid, async () => {
        const s0 = st.proto === 'whep' ? await whepCounters() : undefined;
        await gen.send({ cmd: 'mark' });
        await sleep(o.seconds * 1000);
        r = await gen.send({ cmd: 'report', publisherId: 'br-cam' });
        if (s0 !== undefined) {
          const s1 = await whepCounters();
          sent = s1.sent - s0.sent;
          lost = s1.lost - s0.lost;
        }
      });
      await gen.send({ cmd: 'closeReaders' });
      const w = r!.windowSec;
      const cores = cpu.cpuSeconds / w;
      if (st.proto === 'none') idleCores = cores;
      const row: CpuRow = {
        proto: st.proto, viewers: st.n, connected: opened.ok, windowSec: round(w, 2),
        servedGB: round(r!.delivered / 1e9, 4), cpuSeconds: round(cpu.cpuSeconds, 2), serverCores: round(cores, 3),
        cpuSecondsPerGB: st.n === 0 ? Number.NaN : round(cpu.cpuSeconds / (r!.delivered / 1e9), 2),
        marginalMilliCoresPerViewer: st.n === 0 ? Number.NaN : round(((cores - idleCores) / st.n) * 1000, 2),
        perViewerMbps: st.n === 0 ? Number.NaN : round((r!.delivered * 8) / w / st.n / 1e6, 2),
        serverSentPerViewerMbps: st.proto === 'whep' ? round((sent * 8) / w / st.n / 1e6, 2) : Number.NaN,
        reportedLostPackets: st.proto === 'whep' ? lost : Number.NaN,
        publishMbps: round((r!.pubBytes * 8) / w / 1e6, 2),
        keepingUpShare: st.n === 0 ? Number.NaN : round(r!.keepingUp / st.n, 3),
        rssMb: round(cpu.rssMb, 1), loadgenCores: round(cpu.loadgenCpuSeconds / w, 2), errors: [...opened.errors, ...apiErrors],
      };
      o.log(`  ${JSON.stringify(row)}`);
      result.cpu.push(row);
      await sleep(2000);
    }
    return result;
  } finally {
    await browser?.close().catch(() => {});
    await gen.send({ cmd: 'closeReaders' }).catch(() => {});
    await gen.send({ cmd: 'closePublishers', prefix: 'br-' }).catch(() => {});
    await server.stop();
  }
}
