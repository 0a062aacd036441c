/**
 * Benchmark entry (`npm run bench -- [options]`): load suites against `cupola serve` (built, as
 * users run it) and its peers (Node-Media-Server, nginx-rtmp; Cupola under tsx on request) side by
 * side in ONE run (the machine is shared: compare ratios, not absolutes), plus the hot-path
 * micro-benchmarks. Prints tables; `--json FILE` writes every measured row.
 *
 *   --suites fanout,ingest,replication,micro   (default: these four)
 *   --suites browser       browser playback (LL-HLS, WebRTC in headless Chromium; not in the default)
 *   --n 10,100,400,1200    readers per fan-out step       --m 10,100   publishers per ingest step
 *   --seconds 15           measuring window per step      --settle 3   seconds before each window
 *   --quick                N=10,50 M=5,20, 4 s windows    --cpu-prof DIR   profile the servers
 *   --peers cupola,nms,nginx,gst  (also cupola-tsx; cupola-base with --base-root DIR, built if DIR has dist/)   --json FILE
 *   --repeats 10  --latency-seconds 20  --hls-viewers 1,10,100  --whep-viewers 1,20  --rtsp-readers 20,100   (browser)
 * Every process it starts is killed by PID at the end, on error and on SIGINT/SIGTERM.
 */
import { existsSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { LoadGen } from './lib/loadgen-client.ts';
import { killAll, runMain, startCupola, startNms } from './lib/servers.ts';
import { startNginxRtmp } from './lib/nginx-rtmp.ts';
import { startGstRtsp } from './lib/gst-rtsp.ts';
import { topFunctions } from './lib/cpuprofile-top.ts';
import { isPeer, type PeerServers, type SuiteOptions } from './suites/common.ts';
import { runFanout, type FanoutRow } from './suites/fanout.ts';
import { runIngest, type IngestRow } from './suites/ingest.ts';
import { runReplication, type ReplicationResult } from './suites/replication.ts';
import { runMicro, type MicroRow } from './suites/micro.ts';
import { runBrowser, type BrowserResult } from './suites/browser.ts';
import { printBrowser, printFanout, printIngest, printReplication } from './lib/report.ts';

const list = (s: string): number[] => s.split(',').map(Number).filter((v) => Number.isFinite(v) && v > 0);

const program = new Command()
  .name('bench')
  .option('--suites <list>', 'fanout,ingest,replication,micro (default) and browser', 'fanout,ingest,replication,micro')
  .option('--n <list>', 'readers per fan-out step', '10,100,400,1200')
  .option('--m <list>', 'publishers per ingest step', '10,100')
  .option('--seconds <s>', 'measuring window per step', '15')
  .option('--settle <s>', 'settling time before each window', '3')
  .option('--joins <k>', 'readers joining one by one after each window', '10')
  .option('--probes <k>', 'readers checking every frame for latency', '10')
  .option('--peers <list>', 'servers to compare: cupola, cupola-tsx, cupola-base, nms, nginx, gst', 'cupola,nms,nginx,gst')
  .option('--base-root <dir>', 'cupola-base: a checkout of an earlier commit (with node_modules), run built if it has dist/ (node scripts/build.mjs there), else under tsx')
  .option('--repeats <k>', 'browser: pages per first-picture series', '10')
  .option('--latency-seconds <s>', 'browser: playback per latency series', '20')
  .option('--hls-viewers <list>', 'browser: LL-HLS viewers per CPU step', '1,10,100')
  .option('--whep-viewers <list>', 'browser: WebRTC viewers per CPU step', '1,20')
  .option('--rtsp-readers <list>', 'browser: RTSP readers per CPU step', '20,100')
  .option('--quick', 'small N and M, short windows')
  .option('--cpu-prof <dir>', 'run the servers under node --cpu-prof, print their top functions')
  .option('--json <file>', 'write the results as JSON')
  .parse();
const opts = program.opts<{
  suites: string; n: string; m: string; seconds: string; settle: string; joins: string; probes: string; peers: string; quick?: boolean; cpuProf?: string; json?: string; baseRoot?: string;
  repeats: string; latencySeconds: string; hlsViewers: string; whepViewers: string; rtspReaders: string;
}>();

const quick = opts.quick === true;
const suites = new Set(opts.suites.split(','));
const cpuProfDir = opts.cpuProf !== undefined ? resolve(opts.cpuProf) : undefined;
if (cpuProfDir !== undefined) mkdirSync(cpuProfDir, { recursive: true });
const o: SuiteOptions = {
  readerCounts: quick && program.getOptionValueSource('n') === 'default' ? [10, 50] : list(opts.n),
  publisherCounts: quick && program.getOptionValueSource('m') === 'default' ? [5, 20] : list(opts.m),
  seconds: quick && program.getOptionValueSource('seconds') === 'default' ? 4 : Number(opts.seconds),
  settleSeconds: quick && program.getOptionValueSource('settle') === 'default' ? 1 : Number(opts.settle),
  joins: quick && program.getOptionValueSource('joins') === 'default' ? 3 : Number(opts.joins),
  probes: Number(opts.probes),
  peers: opts.peers.split(',').filter(isPeer),
  cpuProfDir,
  log: (s) => process.stderr.write(`${s}\n`),
};

const browserOpts = {
  repeats: quick && program.getOptionValueSource('repeats') === 'default' ? 3 : Number(opts.repeats),
  latencySeconds: quick && program.getOptionValueSource('latencySeconds') === 'default' ? 5 : Number(opts.latencySeconds),
  hlsViewers: quick && program.getOptionValueSource('hlsViewers') === 'default' ? [1, 10] : list(opts.hlsViewers),
  whepViewers: quick && program.getOptionValueSource('whepViewers') === 'default' ? [2] : list(opts.whepViewers),
  rtspReaders: quick && program.getOptionValueSource('rtspReaders') === 'default' ? [10] : list(opts.rtspReaders),
};

interface Results {
  machine: { node: string; cpus: number; platform: string; date: string; options: SuiteOptions; browserOptions?: typeof browserOpts };
  fanout?: FanoutRow[];
  ingest?: IngestRow[];
  replication?: ReplicationResult;
  micro?: MicroRow[];
  browser?: BrowserResult;
  profiles?: Record<string, ReturnType<typeof topFunctions>>;
}

async function main(): Promise<void> {
  const os = await import('node:os');
  const results: Results = { machine: { node: process.version, cpus: os.cpus().length, platform: `${os.platform()} ${os.release()}`, date: new Date().toISOString(), options: { ...o, log: undefined as never }, ...(suites.has('browser') ? { browserOptions: browserOpts } : {}) } };
  const servers: PeerServers = {};
  const gen = new LoadGen();
  try {
    if (suites.has('fanout') || suites.has('ingest') || suites.has('replication')) {
      const prof = cpuProfDir === undefined ? {} : { cpuProfDir };
      const load = suites.has('fanout') || suites.has('ingest');
      if (o.peers.includes('cupola') || suites.has('replication')) servers.cupola = await startCupola({ ...prof, name: 'cupola' });
      if (o.peers.includes('cupola-tsx') && load) servers['cupola-tsx'] = await startCupola({ ...prof, runtime: 'tsx', name: 'cupola-tsx' });
      if (o.peers.includes('cupola-base') && load) {
        if (opts.baseRoot === undefined) throw new Error('--peers cupola-base needs --base-root DIR');
        servers['cupola-base'] = await startCupola({ ...prof, runtime: existsSync(join(resolve(opts.baseRoot), 'dist/src/cli/main.js')) ? 'built' : 'tsx', name: 'cupola-base', root: resolve(opts.baseRoot) });
      }
      if (o.peers.includes('nms') && load) servers.nms = await startNms(prof);
      if (o.peers.includes('nginx') && load) servers.nginx = await startNginxRtmp(o.log);
      if (o.peers.includes('gst') && suites.has('fanout') && servers.cupola !== undefined) {
        servers.gst = await startGstRtsp(`rtmp://127.0.0.1:${servers.cupola.ports['rtmp']}/site1/cam1`, o.log);
      }
      o.log(`servers: ${Object.values(servers).map((s) => `${s.name} pid ${s.pid} ${JSON.stringify(s.ports)}`).join('; ')}; load generator pid ${gen.pid}`);
    }
    const peers: PeerServers = Object.fromEntries(o.peers.filter((p) => servers[p] !== undefined).map((p) => [p, servers[p]!]));
    if (suites.has('fanout')) {
      results.fanout = await runFanout(o, peers, gen);
      printFanout(results.fanout);
    }
    if (suites.has('ingest')) {
      results.ingest = await runIngest(o, peers, gen);
      printIngest(results.ingest);
    }
    if (suites.has('replication') && servers.cupola !== undefined) {
      results.replication = await runReplication(o, servers.cupola, gen);
      printReplication(results.replication);
    }
    if (suites.has('browser')) {
      results.browser = await runBrowser(o, browserOpts, gen);
      printBrowser(results.browser);
    }
    if (suites.has('micro')) {
      results.micro = await runMicro(o, quick ? 1 : 3);
      console.log('\nMicro-benchmarks');
      for (const r of results.micro) console.log(`  ${r.output}`);
    }
  } finally {
    await gen.exit();
    for (const s of Object.values(servers)) await s.stop();
    killAll();
  }
  if (cpuProfDir !== undefined) {
    results.profiles = {};
    for (const f of readdirSync(cpuProfDir).filter((x) => x.endsWith('.cpuprofile'))) {
      results.profiles[f] = topFunctions(join(cpuProfDir, f), 15);
      console.log(`\nTop functions (self time) of ${f}`);
      for (const e of results.profiles[f]) console.log(`  ${e.selfPercent.toFixed(1).padStart(5)} %  ${e.name}  ${e.where}`);
    }
  }
  if (opts.json !== undefined) writeFileSync(opts.json, JSON.stringify(results, null, 2));
}

runMain(main);
