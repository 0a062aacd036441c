/**
 * Idle RSS of `cupola serve` (slave, no cameras, compression on as `npm start` runs it), variants
 * side by side in one run: all start together, VmRSS of each is sampled once a second for
 * `--seconds` after it announced `listening`; prints min / median / last, the anonymous and
 * file-backed parts of the last, and then the V8 heap used (nodejs_heap_size_used_bytes of /metrics).
 *
 *   node --import tsx bench/idle-rss.ts [--seconds 30] [--runs 3] [--variants built,tsx]
 *        [--base-root DIR]            variant `base`: the built dist/ of another checkout (run `node scripts/build.mjs` there first)
 *        [--flags "--optimize-for-size"]   variant `flags`: this checkout built, with these node flags instead
 *   built and tsx run with the node flags of the checkout's launchers (package.json `start`); bare without.
 *
 * Every process it starts is killed by PID (servers.ts `killAll`) at the end and on error.
 */
import { resolve } from 'node:path';
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { killAll, rssMb, startCupola, type ServerProc } from './lib/servers.ts';

const opts = new Command()
  .option('--seconds <s>', 'sampling window after listening', '30')
  .option('--runs <k>', 'rounds (each starts every variant afresh)', '3')
  .option('--variants <list>', 'built, tsx (both with the launcher flags), bare (built, no node flags), base (needs --base-root), flags (built with --flags instead)', 'built,tsx')
  .option('--base-root <dir>', 'another checkout (with node_modules and a built dist/) for the variant base')
  .option('--flags <flags>', 'node flags for the variant flags')
  .parse()
  .opts<{ seconds: string; runs: string; variants: string; baseRoot?: string; flags?: string }>();
const seconds = Number(opts.seconds);
const runs = Number(opts.runs);
const variants = opts.variants.split(',').filter((v) => v !== '');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

function start(variant: string): Promise<ServerProc> {
  // Each runs with its checkout's launcher flags (package.json `start`) unless the variant says otherwise.
  const common = { name: `cupola-${variant}`, compress: true };
  switch (variant) {
    case 'built':
      return startCupola({ ...common, runtime: 'built' });
    case 'tsx':
      return startCupola({ ...common, runtime: 'tsx' });
    case 'bare':
      return startCupola({ ...common, runtime: 'built', nodeFlags: [] });
    case 'base':
      if (opts.baseRoot === undefined) throw new Error('variant base needs --base-root DIR');
      return startCupola({ ...common, runtime: 'built', root: resolve(opts.baseRoot) });
    case 'flags':
      if (opts.flags === undefined) throw new Error('variant flags needs --flags "..."');
      return startCupola({ ...common, runtime: 'built', nodeFlags: opts.flags.split(' ').filter((f) => f !== '') });
    default:
      throw new Error(`unknown variant ${variant}`);
  }
}

/** RssAnon / RssFile of /proc/PID/status in MB: V8 heap and malloc, against the mapped node binary and libraries. */
function rssParts(pid: number): string {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN) / 1024;
  return `anon ${kb('RssAnon').toFixed(1)} file ${kb('RssFile').toFixed(1)}`;
}

/** nodejs_heap_size_used_bytes from the server's /metrics, in MB (NaN if not reachable). */
async function heapUsedMb(srv: ServerProc): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${srv.ports['api']}/metrics`)).text();
    const m = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(text);
    return m ? Number(m[1]) / 1048576 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

async function round(i: number): Promise<void> {
  const servers: ServerProc[] = await Promise.all(variants.map(start));
  try {
    const samples = servers.map(() => [] as number[]);
    for (let s = 0; s < seconds; s++) {
      await sleep(1000);
      servers.forEach((srv, k) => samples[k]!.push(rssMb(srv.pid)));
    }
    for (const [k, srv] of servers.entries()) {
      const v = samples[k]!;
      const parts = rssParts(srv.pid);
      const heap = await heapUsedMb(srv);
      console.log(`run ${i + 1} ${srv.name.padEnd(13)} RSS MB over ${seconds} s: min ${Math.min(...v).toFixed(1)}  median ${median(v).toFixed(1)}  last ${v.at(-1)!.toFixed(1)} (${parts})  heap used after ${heap.toFixed(1)}`);
    }
  } finally {
    for (const s of servers) await s.stop();
  }
}

try {
  for (let i = 0; i < runs; i++) await round(i);
} finally {
  killAll();
}
