/**
 * The master's side of replication: M cameras publish to a slave (the ingest camera, the load
 * generator's RTMP publishers), a master (`serve --role master --upstream <slave API>`) pulls every
 * one of them over RTMP, and the master's CPU per 100 Mbit/s pulled and RSS are measured over
 * `--seconds`. Variants (this checkout's build, and `base` from `--base-root`) run one after the
 * other, alternating for `--runs` rounds, each with its own slave and master and the same load
 * generator. What it shows: the master's ingest cost, which the slave's ingest benchmark does not
 * see (the master reads as an RTMP client, not as a server).
 *
 *   node --import tsx bench/master-ingest.ts [--m 50] [--seconds 15] [--runs 2] [--variants built,base] [--base-root DIR]
 *
 * Every process it starts is stopped by PID at the end, on error and on SIGINT/SIGTERM.
 */
import { resolve } from 'node:path';
import { Command } from 'commander';
import { LoadGen } from './lib/loadgen-client.ts';
import { CAMERA_INGEST, ensureFlv } from './lib/media.ts';
import { cpuSeconds, rssMb, runMain, startCupola, type ServerProc } from './lib/servers.ts';

const opts = new Command()
  .option('--m <n>', 'cameras', '50')
  .option('--seconds <s>', 'measuring window', '15')
  .option('--runs <n>', 'rounds of all variants', '2')
  .option('--variants <list>', 'built (this checkout), base (needs --base-root)', 'built')
  .option('--base-root <dir>', 'another checkout with node_modules and a built dist/')
  .parse()
  .opts<{ m: string; seconds: string; runs: string; variants: string; baseRoot?: string }>();
const m = Number(opts.m);
const seconds = Number(opts.seconds);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (s: string): void => console.error(s);

function root(variant: string): string | undefined {
  if (variant === 'built') return undefined;
  if (variant === 'base') {
    if (opts.baseRoot === undefined) throw new Error('variant base needs --base-root DIR');
    return resolve(opts.baseRoot);
  }
  throw new Error(`unknown variant ${variant}`);
}

/** The master's live site2/ streams (the pulled copies) and their payload bytes in, from its API. */
async function masterLive(master: ServerProc): Promise<{ live: number; bytesIn: number }> {
  const res = await fetch(`http://127.0.0.1:${master.ports['api']}/api/v1/streams`, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { items: { path: string; bytesIn: number }[] };
  const live = body.items.filter((s) => s.path.startsWith('site2/'));
  return { live: live.length, bytesIn: live.reduce((n, s) => n + s.bytesIn, 0) };
}

async function measure(variant: string, gen: LoadGen, file: string): Promise<string> {
  const r = root(variant);
  const common = r === undefined ? {} : { root: r };
  const slave = await startCupola({ ...common, name: `slave-${variant}` });
  let master: ServerProc | undefined;
  const prefix = `mi-${variant}-`;
  try {
    for (let i = 0; i < m; i++) {
      await gen.send({ cmd: 'publish', id: `${prefix}${i}`, url: `rtmp://127.0.0.1:${slave.ports['rtmp']}/site2/cam${i + 1}`, file, stamp: false, chunkSize: 4096 });
      await sleep(20);
    }
    const ready = await gen.send<{ publishing: number; total: number }>({ cmd: 'publishers-ready', prefix, timeoutMs: 15_000 });
    master = await startCupola({ ...common, name: `master-${variant}`, role: 'master', extra: ['--upstream', `http://127.0.0.1:${slave.ports['api']}`] });
    let pulled = { live: 0, bytesIn: 0 };
    for (let i = 0; i < 60 && pulled.live < m; i++) {
      await sleep(500);
      pulled = await masterLive(master);
    }
    await sleep(3000); // settle: every pull past its first GOP
    const before = await masterLive(master);
    const cpu0 = cpuSeconds(master.pid);
    const t0 = performance.now();
    const rss: number[] = [];
    for (let s = 0; s < seconds; s++) {
      await sleep(1000);
      rss.push(rssMb(master.pid));
    }
    const cpu = cpuSeconds(master.pid) - cpu0;
    const windowSec = (performance.now() - t0) / 1000;
    const after = await masterLive(master);
    const mbps = ((after.bytesIn - before.bytesIn) * 8) / windowSec / 1e6;
    const cores = cpu / windowSec;
    rss.sort((a, b) => a - b);
    return `${variant.padEnd(6)} M=${m} (${ready.publishing}/${ready.total} publishing, ${after.live} pulled by the master): master ${mbps.toFixed(1)} Mbit/s in, ${cores.toFixed(3)} cores, CPU ${((cores * 100) / (mbps / 100)).toFixed(2)} % per 100 Mbit/s, RSS median ${rss[Math.floor(rss.length / 2)]!.toFixed(1)} MB`;
  } finally {
    await gen.send({ cmd: 'closePublishers', prefix });
    await master?.stop();
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
