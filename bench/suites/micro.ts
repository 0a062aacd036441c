/** The hot-path micro-benchmarks (bench/rtp/*.bench.ts, bench/streams/*.bench.ts), each in its own process; their lines are collected. */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, track } from '../lib/servers.ts';
import type { SuiteOptions } from './common.ts';

export interface MicroRow {
  file: string;
  output: string;
}

export async function runMicro(o: SuiteOptions, seconds: number): Promise<MicroRow[]> {
  const files = ['bench/rtp', 'bench/streams'].flatMap((d) =>
    readdirSync(join(repoRoot, d))
      // compare.bench.ts compares two checkouts given on its command line: run by hand.
      .filter((f) => f.endsWith('.bench.ts') && f !== 'compare.bench.ts')
      .sort()
      .map((f) => ({ dir: join(repoRoot, d), f, rel: `${d}/${f}` })),
  );
  const rows: MicroRow[] = [];
  for (const { dir, f, rel } of files) {
    o.log(`micro ${f}...`);
    const child = spawn(process.execPath, ['--import', 'tsx', join(dir, f), '--seconds', String(seconds)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    await new Promise((r) => child.on('exit', r));
    rows.push({ file: rel, output: out.trim() });
    o.log(`  ${out.trim()}`);
  }
  return rows;
}
