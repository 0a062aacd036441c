/**
 * The master's side of replication: M cameras publish to a slave (the ingest camera, the load
 * generator's RTMP publishers), a master (`serve --role master --upstream <slave API>`) pulls every
 * one of them over RTMP, and the master's CPU per 100 Mbit/s pulled and RSS are measured over
 * `--seconds`. Variants run one after the other, alternating for `--runs` rounds, each with its own
 * slave (this checkout's build) and puller, and the same load generator: `built` (this checkout's
 * master), `base` (the master of `--base-root`), `nginx` (nginx-rtmp pulling the same M streams
 * with `pull ... static`, the peer for a replicating client). The bytes pulled are counted on the
 * slave (its API's bytesOut of the M streams, whose only reader is the puller), the same way for
 * every variant. What it shows: the master's ingest cost, which the slave's ingest benchmark does
 * not see (the master reads as an RTMP client, not as a server).
 *
 *   node --import tsx bench/master-ingest.ts [--m 50] [--seconds 15] [--runs 2] [--variants built,base,nginx] [--base-root DIR]
 *
 * Every process it starts is stopped by PID at the end, on error and on SIGINT/SIGTERM.
 */
import { resolve } from 'node:path';
import { Command } from 'commander';
import { LoadGen } from './lib/loadgen-client.ts';
import { CAMERA_INGEST, ensureFlv } from './lib/media.ts';
import { cpuSeconds, rssMb, runMain, startCupola, type ServerProc } from './lib/servers.ts';
import { startNginxRtmp } from './lib/nginx-rtmp.ts';

const opts = new Command()
  .option('--m <n>', 'cameras', '50')
  .option('--seconds <s>', 'measuring window', '15')
  .option('--runs <n>', 'rounds of all variants', '2')
  .option('--variants <list>', 'built (this checkout), base (needs --base-root), nginx (nginx-rtmp pulling)', 'built')
  .option('--base-root <dir>', 'another checkout with node_modules and a built dist/')
  .parse()
  .opts<{ m: string; seconds: string; runs: string; variants: string; baseRoot?: string }>();
const m = Number(opts.m);
const seconds = Number(opts.seconds);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (s: string): void => console.error(s);

function root(variant: string): string | undefined {
  if (variant === 'built' || variant === 'nginx') return undefined;
  if (variant === 'base') {
    if (opts.baseRoot === undefined) throw new Error('variant base needs --base-root DIR');
    return resolve(opts.baseRoot);
  }
  throw new Error(`unknown variant ${variant}`);
}

interface Live {
  readonly live: number;
  readonly bytes: number;
}

/** A server's site2/ streams and the sum of one byte counter of theirs, from its API. */
async function site2(server: ServerProc, counter: 'bytesIn' | 'bytesOut'): Promise<Live> {
  const res = await fetch(`http://127.0.0.1:${server.ports['api']}/api/v1/streams`, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { items: { path: string; bytesIn: number; bytesOut: number }[] };
  const live = body.items.filter((s) => s.path.startsWith('site2/'));
  return { live: live.length, bytes: live.reduce((n, s) => n + s[counter], 0) };
}

/** Starts the puller of a variant once the slave has the M streams; resolves when it reads all of them. */
async function startPuller(variant: string, slave: ServerProc): Promise<ServerProc> {
  const r = root(variant);
  const puller =
    variant === 'nginx'
      ? await startNginxRtmp(log, 15_000, { from: `rtmp://127.0.0.1:${slave.ports['rtmp']}/site2`, names: Array.from({ length: m }, (_, i) => `cam${i + 1}`) })
      : await startCupola({ ...(r === undefined ? {} : { root: r }), name: `master-${variant}`, role: 'master', extra: ['--upstream', `http://127.0.0.1:${slave.ports['api']}`] });
  // Pulling: every stream on the slave is being read (bytesOut growing on all of them).
  for (let i = 0; i < 60; i++) {
    await sleep(500);
    const res = await fetch(`http://127.0.0.1:${slave.ports['api']}/api/v1/streams`, { signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as { items: { path: string; bytesOut: number }[] };
    if (body.items.filter((s) => s.path.startsWith('site2/') && s.bytesOut > 0).length >= m) break;
  }
  return puller;
}

async function measure(variant: string, gen: LoadGen, file: string): Promise<string> {
  const slave = await startCupola({ name: `slave-${variant}` });
  let puller: ServerProc | undefined;
  const prefix = `mi-${variant}-`;
  try {
    for (let i = 0; i < m; i++) {
      await gen.send({ cmd: 'publish', id: `${prefix}${i}`, url: `rtmp://127.0.0.1:${slave.ports['rtmp']}/site2/cam${i + 1}`, file, stamp: false, chunkSize: 4096 });
      await sleep(20);
    }
    const ready = await gen.send<{ publishing: number; total: number }>({ cmd: 'publishers-ready', prefix, timeoutMs: 15_000 });
    puller = await startPuller(variant, slave);
    await sleep(3000); // settle: every pull past its first GOP
    const before = await site2(slave, 'bytesOut');
    const cpu0 = cpuSeconds(puller.pid);
    const t0 = performance.now();
    const rss: number[] = [];
    for (let s = 0; s < seconds; s++) {
      await sleep(1000);
      rss.push(rssMb(puller.pid));
    }
    const cpu = cpuSeconds(puller.pid) - cpu0;
    const windowSec = (performance.now() - t0) / 1000;
    const after = await site2(slave, 'bytesOut');
    const pulled = variant === 'nginx' ? `${after.live} streams on the slave` : `${(await site2(puller, 'bytesIn')).live} pulled by the master`;
    const mbps = ((after.bytes - before.bytes) * 8) / windowSec / 1e6;
    const cores = cpu / windowSec;
    rss.sort((a, b) => a - b);
    return `${variant.padEnd(6)} M=${m} (${ready.publishing}/${ready.total} publishing, ${pulled}): ${mbps.toFixed(1)} Mbit/s pulled (slave's bytesOut), puller ${cores.toFixed(3)} cores, CPU ${((cores * 100) / (mbps / 100)).toFixed(2)} % per 100 Mbit/s, RSS median ${rss[Math.floor(rss.length / 2)]!.toFixed(1)} MB`;
  } finally {
    await gen.send({ cmd: 'closePublishers', prefix });
    await puller?.stop();
    await slave.stop();
  }
}

async function main(): Promise<void> {
  const file = await ensureFlv(CAMERA_INGEST, log);
  const variants = opts.variants.split(',').filter((v) => v !== '');
  const gen = new LoadGen();
  try {
    for (let run = 1; run <= Number(opts.runs); run++) {
      for (const v of run % 2 === 1 ? variants : [...variants].reverse()) {
        log(`run ${run}: ${v}...`);
        console.log(`run ${run} ${await measure(v, gen, file)}`);
        await sleep(2000);
      }
    }
  } finally {
    await gen.exit();
  }
}

runMain(main);
