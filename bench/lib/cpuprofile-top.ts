/**
 * Top functions by self time of a V8 .cpuprofile (written by `node --cpu-prof`).
 * Run: node --import tsx bench/lib/cpuprofile-top.ts FILE.cpuprofile [count]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface TopEntry {
  readonly name: string;
  readonly where: string;
  readonly selfPercent: number;
}

export function topFunctions(file: string, count = 15): TopEntry[] {
  const p = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[] };
  const byKey = new Map<string, { name: string; where: string; hits: number }>();
  let total = 0;
  for (const n of p.nodes) {
    const hits = n.hitCount ?? 0;
    total += hits;
    const name = n.callFrame.functionName || '(anonymous)';
    const url = n.callFrame.url.replace(/^file:\/\/.*?\/(node_modules|src|protocols|bench|workers)\//, '$1/');
    const where = url === '' ? '' : `${url}:${n.callFrame.lineNumber + 1}`;
    const key = `${name} ${where}`;
    const e = byKey.get(key) ?? { name, where, hits: 0 };
    e.hits += hits;
    byKey.set(key, e);
  }
  return [...byKey.values()]
    .sort((a, b) => b.hits - a.hits)
    .slice(0, count)
    .map((e) => ({ name: e.name, where: e.where, selfPercent: Math.round((e.hits / Math.max(1, total)) * 1000) / 10 }));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (file === undefined) throw new Error('usage: cpuprofile-top.ts FILE [count]');
  for (const e of topFunctions(file, Number(process.argv[3] ?? 15))) console.log(`${e.selfPercent.toFixed(1).padStart(5)} %  ${e.name}  ${e.where}`);
}
