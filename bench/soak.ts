/**
 * Soak (`npm run bench:soak -- [options]`): one `cupola serve` under a camera site's steady churn for a
 * long time, sampling its resources to show they stay flat.
 *
 *   --minutes 30     length of the run            --cameras 50    RTMP publishers (site soak, cam0…)
 *   --readers 200    readers held at all times, churned (RTMP and RTSP alternately)
 *   --churn 20       readers replaced every churn period   --churn-seconds 5
 *   --flap-seconds 5 one extra camera publishes and leaves every this many seconds
 *   --sample 10      sampling period (s)          --warmup 2     minutes left out of the slope
 *   --json FILE
 *
 * Meanwhile an API client polls /api/v1/streams and /api/v1/urls every second and a WebSocket client
 * follows /api/v1/events, reconnecting every minute. Every 10 s: the server's RSS and open fds (from
 * /proc), heap used and event-loop delay p99 (its own /metrics), readers live. The verdict per series
 * is the least-squares slope over the run after the warm-up, against the noise of the samples around
 * that line: flat when the drift over the whole window is within 3 residual standard deviations or
 * within 5 % of the mean. Every process it starts is killed by PID at the end, on error and on signals.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { LoadGen } from './lib/loadgen-client.ts';
import { ensureFlv, type MediaSpec } from './lib/media.ts';
import { killAll, runMain, rssMb, startCupola } from './lib/servers.ts';
import { round, sleep } from './suites/common.ts';
import { connectEventSocket, type EventSocket } from '../src/replication/ws/event-socket.ts';

const program = new Command()
  .name('soak')
  .option('--minutes <m>', 'length of the run', '30')
  .option('--cameras <n>', 'publishers', '50')
  .option('--readers <n>', 'readers held', '200')
  .option('--churn <n>', 'readers replaced per churn period', '20')
  .option('--churn-seconds <s>', 'churn period', '5')
  .option('--flap-seconds <s>', 'flapping camera period', '5')
  .option('--sample <s>', 'sampling period', '10')
  .option('--warmup <m>', 'minutes left out of the slope', '2')
  .option('--json <file>', 'write samples and verdicts as JSON')
  .parse();
const o = program.opts<{ minutes: string; cameras: string; readers: string; churn: string; churnSeconds: string; flapSeconds: string; sample: string; warmup: string; json?: string }>();
const minutes = Number(o.minutes);
const cameras = Number(o.cameras);
const readersHeld = Number(o.readers);
const churn = Number(o.churn);
const churnMs = Number(o.churnSeconds) * 1000;
const flapMs = Number(o.flapSeconds) * 1000;
const sampleMs = Number(o.sample) * 1000;
const warmupMs = Number(o.warmup) * 60_000;
const log = (s: string) => process.stderr.write(`${s}\n`);

/** A camera-site camera at a soak-friendly size: 50 of them fit one loopback load generator. */
const SOAK_CAMERA: MediaSpec = { width: 640, height: 360, fps: 25, videoKbps: 600, seconds: 20 };

interface Sample {
  readonly tSec: number;
  readonly rssMb: number;
  readonly heapUsedMb: number;
  readonly fds: number;
  readonly eventLoopP99Ms: number;
  readonly readersLive: number;
  readonly readersTotal: number;
  readonly apiPolls: number;
  readonly apiErrors: number;
  readonly wsEvents: number;
}

function metricValue(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(text);
  return m === null ? Number.NaN : Number(m[1]);
}

export interface Verdict {
  readonly series: string;
  readonly mean: number;
  readonly slopePerHour: number;
  readonly driftOverWindow: number;
  readonly residualSd: number;
  readonly flat: boolean;
}

/** Least-squares line through (t, v); drift = slope x window, judged against the residual noise. */
export function verdict(series: string, points: readonly (readonly [number, number])[]): Verdict {
  const n = points.length;
  const mt = points.reduce((a, [t]) => a + t, 0) / n;
  const mv = points.reduce((a, [, v]) => a + v, 0) / n;
  let num = 0;
  let den = 0;
  for (const [t, v] of points) {
    num += (t - mt) * (v - mv);
    den += (t - mt) ** 2;
  }
  const slope = den === 0 ? 0 : num / den;
  const residualSd = Math.sqrt(points.reduce((a, [t, v]) => a + (v - (mv + slope * (t - mt))) ** 2, 0) / Math.max(1, n - 2));
  const window = n > 1 ? points[n - 1]![0] - points[0]![0] : 0;
  const drift = slope * window;
  const flat = Math.abs(drift) <= 3 * residualSd || Math.abs(drift) <= 0.05 * Math.abs(mv);
  return { series, mean: round(mv), slopePerHour: round(slope * 3600), driftOverWindow: round(drift), residualSd: round(residualSd), flat };
}

async function main(): Promise<void> {
  const file = await ensureFlv(SOAK_CAMERA, log);
  const server = await startCupola();
  const gen = new LoadGen();
  const api = `http://127.0.0.1:${server.ports['api']}`;
  const rtmp = (path: string) => `rtmp://127.0.0.1:${server.ports['rtmp']}/${path}`;
  const rtsp = (path: string) => `rtsp://127.0.0.1:${server.ports['rtsp']}/${path}`;
  log(`cupola pid ${server.pid} ${JSON.stringify(server.ports)}; load generator pid ${gen.pid}; ${minutes} min, ${cameras} cameras, ${readersHeld} readers`);
  const timers: NodeJS.Timeout[] = [];
  let ws: EventSocket | undefined;
  const samples: Sample[] = [];
  let apiPolls = 0;
  let apiErrors = 0;
  let wsEvents = 0;
  try {
    for (let i = 0; i < cameras; i++) await gen.send({ cmd: 'publish', id: `cam-${i}`, url: rtmp(`soak/cam${i}`), file, stamp: false });
    const ready = await gen.send<{ publishing: number; total: number; errors: string[] }>({ cmd: 'publishers-ready', prefix: 'cam-', timeoutMs: 30_000 });
    log(`publishing: ${ready.publishing}/${ready.total} ${ready.errors.join('; ')}`);
    if (ready.publishing !== cameras) throw new Error(`only ${ready.publishing} of ${cameras} cameras publish: ${ready.errors.join('; ')}`);
    const urls: string[] = [];
    for (let i = 0; i < cameras; i++) urls.push(i % 2 === 0 ? rtmp(`soak/cam${i}`) : rtsp(`soak/cam${i}`));
    await gen.send({ cmd: 'churn', urls, close: 0, open: readersHeld });

    // Steady churn: readers leave and join; one camera flaps; API and WebSocket clients poll.
    let flapping = false;
    let busy = false;
    timers.push(setInterval(() => {
      if (busy) return;
      busy = true;
      void gen.send({ cmd: 'churn', urls, close: churn, open: churn }).finally(() => (busy = false)).catch((e: unknown) => log(`churn: ${String(e)}`));
      // Top the set back up to the held count (readers the server closed were removed by churn).
      void gen.send<{ total: number }>({ cmd: 'churn', urls, close: 0, open: 0 }).then((r) => r.total < readersHeld ? gen.send({ cmd: 'churn', urls, close: 0, open: readersHeld - r.total }) : undefined).catch(() => {});
    }, churnMs));
    timers.push(setInterval(() => {
      flapping = !flapping;
      const cmd = flapping ? gen.send({ cmd: 'publish', id: 'flap-0', url: rtmp('soak/flap'), file, stamp: false }) : gen.send({ cmd: 'closePublishers', prefix: 'flap-' });
      cmd.catch((e: unknown) => log(`flap: ${String(e)}`));
    }, flapMs));
    timers.push(setInterval(() => {
      for (const path of ['/api/v1/streams', '/api/v1/urls']) {
        fetch(`${api}${path}`).then(async (r) => {
          await r.arrayBuffer();
          if (r.ok) apiPolls++;
          else apiErrors++;
        }, () => apiErrors++);
      }
    }, 1000));
    const openWs = () => {
      ws?.close();
      ws = connectEventSocket({ url: `${api}/api/v1/events`, onEvent: () => wsEvents++, onClose: () => {} });
    };
    openWs();
    timers.push(setInterval(openWs, 60_000));

    const t0 = Date.now();
    const end = t0 + minutes * 60_000;
    for (let i = 0; i < 100_000 && Date.now() < end; i++) {
      await sleep(Math.min(sampleMs, end - Date.now()));
      let metrics = '';
      try {
        metrics = await (await fetch(`${api}/metrics`)).text();
      } catch {
        apiErrors++;
      }
      const rd = await gen.send<{ total: number; live: number }>({ cmd: 'churn', urls, close: 0, open: 0 });
      const s: Sample = {
        tSec: round((Date.now() - t0) / 1000, 1),
        rssMb: round(rssMb(server.pid), 1),
        heapUsedMb: round(metricValue(metrics, 'nodejs_heap_size_used_bytes') / 2 ** 20, 1),
        fds: readdirSync(`/proc/${server.pid}/fd`).length,
        eventLoopP99Ms: round(metricValue(metrics, 'nodejs_eventloop_lag_p99_seconds') * 1000, 1),
        readersLive: rd.live,
        readersTotal: rd.total,
        apiPolls,
        apiErrors,
        wsEvents,
      };
      samples.push(s);
      log(JSON.stringify(s));
    }
  } finally {
    for (const t of timers) clearInterval(t);
    ws?.close();
    await gen.exit();
    await server.stop();
    killAll();
  }
  const steady = samples.filter((s) => s.tSec * 1000 >= warmupMs);
  const verdicts = (['rssMb', 'heapUsedMb', 'fds', 'eventLoopP99Ms'] as const).map((k) => verdict(k, steady.map((s) => [s.tSec, s[k]] as const)));
  console.log(`\nSoak: ${minutes} min, ${cameras} cameras + 1 flapping every ${flapMs / 1000} s, ${readersHeld} readers (${churn} replaced every ${churnMs / 1000} s), API poll 1/s, WebSocket reconnect 1/min; slope over t >= ${warmupMs / 60_000} min (${steady.length} samples)`);
  console.log('| series | mean | slope per hour | drift over window | residual sd | flat |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const v of verdicts) console.log(`| ${v.series} | ${v.mean} | ${v.slopePerHour} | ${v.driftOverWindow} | ${v.residualSd} | ${v.flat ? 'yes' : 'NO'} |`);
  const last = samples.at(-1);
  if (last !== undefined) console.log(`readers live at the end: ${last.readersLive}/${last.readersTotal}; API polls ${last.apiPolls}, API errors ${last.apiErrors}, WebSocket events ${last.wsEvents}`);
  if (o.json !== undefined) writeFileSync(o.json, JSON.stringify({ options: o, samples, verdicts }, null, 2));
}

runMain(main);
