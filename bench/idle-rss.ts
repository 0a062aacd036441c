/**
 * Idle RSS of `cupola serve` (slave, no cameras, compression on as `npm start` runs it) as built
 * JavaScript and under tsx, side by side in one run: both start together, VmRSS of each is sampled
 * once a second for `--seconds` after it announced `listening`; prints min / median / last.
 *
 *   node --import tsx bench/idle-rss.ts [--seconds 30] [--runs 3]
 *
 * Every process it starts is killed by PID (servers.ts `killAll`) at the end and on error.
 */
import { Command } from 'commander';
import { killAll, rssMb, startCupola, type CupolaRuntime, type ServerProc } from './lib/servers.ts';

const opts = new Command()
  .option('--seconds <s>', 'sampling window after listening', '30')
  .option('--runs <k>', 'rounds (each starts both runtimes afresh)', '3')
  .parse()
  .opts<{ seconds: string; runs: string }>();
const seconds = Number(opts.seconds);
const runs = Number(opts.runs);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

async function round(i: number): Promise<void> {
  const runtimes: CupolaRuntime[] = ['built', 'tsx'];
  const servers: ServerProc[] = await Promise.all(runtimes.map((runtime) => startCupola({ runtime, name: `cupola-${runtime}`, compress: true })));
  try {
    const samples = servers.map(() => [] as number[]);
    for (let s = 0; s < seconds; s++) {
      await sleep(1000);
      servers.forEach((srv, k) => samples[k]!.push(rssMb(srv.pid)));
    }
    servers.forEach((srv, k) => {
      const v = samples[k]!;
      console.log(`run ${i + 1} ${srv.name.padEnd(12)} RSS MB over ${seconds} s: min ${Math.min(...v).toFixed(1)}  median ${median(v).toFixed(1)}  last ${v.at(-1)!.toFixed(1)}`);
    });
  } finally {
    for (const s of servers) await s.stop();
  }
}

try {
  for (let i = 0; i < runs; i++) await round(i);
} finally {
  killAll();
}
