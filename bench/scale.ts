/**
 * Scale of one slave (`npm run bench:scale -- [options]`): M cameras publishing RTMP at ~2 Mbit/s,
 * each read by one RTSP and one RTMP reader (a compressor's input and a master's replication pull
 * look like these), compression off. Cameras are added in steps on one running server until a
 * reader falls behind; per step: every reader keeping up or not, server CPU and RSS, per-camera
 * latency (publisher's SEI stamp to reader, on the readers of the first `--probes` cameras), and
 * the load generator's own CPU (when it nears a core, it is the limit, not the server).
 *
 *   --cameras 50,100,150,200,250   steps (cameras in total at each step)
 *   --kbps 1900        video bitrate of the camera (plus 96 kbit/s AAC)
 *   --seconds 15       measuring window per step     --settle 5   seconds before each window
 *   --probes 20        cameras whose two readers check every frame's stamp
 *   --root DIR         run another checkout of Cupola (built by its own build step), e.g. a base
 *                      worktree, to compare side by side: run the bench once per checkout
 *   --json FILE
 * Every process it starts is killed by PID at the end, on error and on SIGINT/SIGTERM.
 */
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { LoadGen } from './lib/loadgen-client.ts';
import { ensureFlv, type MediaSpec } from './lib/media.ts';
import { killAll, runMain, startCupola, type ServerProc } from './lib/servers.ts';
import { measureCpu, round, sleep } from './suites/common.ts';

const program = new Command()
  .name('scale')
  .option('--cameras <list>', 'cameras in total at each step', '50,100,150,200,250')
  .option('--kbps <k>', 'camera video bitrate', '1900')
  .option('--seconds <s>', 'measuring window per step', '15')
  .option('--settle <s>', 'seconds before each window', '5')
  .option('--probes <k>', 'cameras whose readers measure latency', '20')
  .option('--root <dir>', 'another checkout of Cupola to run (a base worktree)')
  .option('--json <file>', 'write the rows as JSON')
  .parse();
const o = program.opts<{ cameras: string; kbps: string; seconds: string; settle: string; probes: string; root?: string; json?: string }>();
const steps = o.cameras.split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0).sort((a, b) => a - b);
const seconds = Number(o.seconds);
const settle = Number(o.settle);
const probes = Number(o.probes);
const log = (s: string) => process.stderr.write(`${s}\n`);

const CAMERA: MediaSpec = { width: 1280, height: 720, fps: 25, videoKbps: Number(o.kbps), seconds: 20 };

interface ReportReply {
  windowSec: number;
  pubBytes: number;
  delivered: number;
  readers: number;
  keepingUp: number;
  closed: number;
  latency: { n: number; p50: number; p99: number; max: number };
  ingestBytes: number;
  ingestPublishing: number;
}

export interface ScaleRow {
  cameras: number;
  publishing: number;
  readers: number;
  readersKeepingUp: number;
  readersClosed: number;
  ingestMbps: number;
  deliveredMbps: number;
  serverCores: number;
  rssMb: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  loadgenCores: number;
}

async function main(): Promise<void> {
  const file = await ensureFlv(CAMERA, log);
  const server: ServerProc = await startCupola(o.root !== undefined ? { root: o.root } : {});
  const gen = new LoadGen();
  const rows: ScaleRow[] = [];
  const rtmp = `rtmp://127.0.0.1:${server.ports['rtmp']}`;
  const rtsp = `rtsp://127.0.0.1:${server.ports['rtsp']}`;
  log(`cupola pid ${server.pid} ${JSON.stringify(server.ports)}; load generator pid ${gen.pid}`);
  try {
    let cameras = 0;
    for (const target of steps) {
      log(`scale: ${target} cameras...`);
      const first = cameras;
      for (; cameras < target; cameras++) {
        await gen.send({ cmd: 'publish', id: `scale-${cameras}`, url: `${rtmp}/scale/cam${cameras}`, file, stamp: true });
        await sleep(20); // keyframes spread over the GOP, as real cameras' are
      }
      const ready = await gen.send<{ publishing: number; total: number; errors: string[] }>({ cmd: 'publishers-ready', prefix: 'scale-', timeoutMs: 30_000 });
      if (ready.errors.length > 0) log(`  publisher errors: ${ready.errors.join('; ')}`);
      for (let i = first; i < cameras; i++) {
        const probe = i < probes ? 1 : 0;
        await gen.send({ cmd: 'readers', proto: 'rtsp', url: `${rtsp}/scale/cam${i}`, n: 1, probes: probe, timeoutMs: 10_000 });
        await gen.send({ cmd: 'readers', proto: 'rtmp', url: `${rtmp}/scale/cam${i}`, n: 1, probes: probe, timeoutMs: 10_000 });
      }
      await sleep(settle * 1000);
      let one: ReportReply | undefined;
      let all: ReportReply | undefined;
      const cpu = await measureCpu(server.pid, gen.pid, async () => {
        await gen.send({ cmd: 'mark' });
        await sleep(seconds * 1000);
        // Camera 0's bytes are the reference every reader must reach (the same file at the same rate).
        one = await gen.send<ReportReply>({ cmd: 'report', publisherId: 'scale-0' });
        all = await gen.send<ReportReply>({ cmd: 'report', publisherId: 'scale-' });
      });
      const r = one!;
      const row: ScaleRow = {
        cameras, publishing: all!.ingestPublishing, readers: r.readers, readersKeepingUp: r.keepingUp, readersClosed: r.closed,
        ingestMbps: round((all!.ingestBytes * 8) / all!.windowSec / 1e6, 1), deliveredMbps: round((r.delivered * 8) / r.windowSec / 1e6, 1),
        serverCores: round(cpu.cpuSeconds / r.windowSec, 3), rssMb: round(cpu.rssMb, 1),
        latencyP50Ms: round(r.latency.p50, 2), latencyP99Ms: round(r.latency.p99, 2), latencyMaxMs: round(r.latency.max, 2),
        loadgenCores: round(cpu.loadgenCpuSeconds / r.windowSec, 2),
      };
      rows.push(row);
      log(`  ${JSON.stringify(row)}`);
      if (row.readersKeepingUp < row.readers || row.publishing < cameras) {
        log(`  a reader or publisher fell behind at ${cameras} cameras: stopping`);
        break;
      }
    }
  } finally {
    await gen.exit();
    await server.stop();
    killAll();
  }
  printRows(rows);
  if (o.json !== undefined) writeFileSync(o.json, JSON.stringify({ date: new Date().toISOString(), node: process.version, options: o, rows }, null, 2));
}

function printRows(rows: readonly ScaleRow[]): void {
  console.log(`\nScale of one slave: cameras at ${CAMERA.videoKbps} kbit/s video + 96 kbit/s AAC (1280x720 25 fps), one RTSP + one RTMP reader each, compression off; ${seconds} s windows.\n`);
  console.log('| cameras | publishing | readers keeping up | ingest Mbit/s | delivered Mbit/s | server CPU (cores) | server RSS MB | latency p50 / p99 / max ms | load generator (cores) |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(`| ${r.cameras} | ${r.publishing} | ${r.readersKeepingUp} / ${r.readers}${r.readersClosed > 0 ? ` (${r.readersClosed} closed)` : ''} | ${r.ingestMbps} | ${r.deliveredMbps} | ${r.serverCores} | ${r.rssMb} | ${r.latencyP50Ms} / ${r.latencyP99Ms} / ${r.latencyMaxMs} | ${r.loadgenCores} |`);
  }
}

runMain(main);
