/** The hot-path micro-benchmarks (bench/rtp/*.bench.ts), each in its own process; their lines are collected. */
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
  const dir = join(repoRoot, 'bench/rtp');
  const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).sort();
  const rows: MicroRow[] = [];
  for (const f of files) {
    o.log(`micro ${f}...`);
    const child = spawn(process.execPath, ['--import', 'tsx', join(dir, f), '--seconds', String(seconds)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    await new Promise((r) => child.on('exit', r));
    rows.push({ file: `bench/rtp/${f}`, output: out.trim() });
    o.log(`  ${out.trim()}`);
  }
  return rows;
}
