/**
 * The processes below a PID, read from /proc (Linux): for tests that check a parent's death takes
 * every child with it. Each entry carries the command line so a test can pick out the ffmpegs.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessEntry {
  readonly pid: number;
  readonly ppid: number;
  readonly cmd: string;
}

function entry(pid: number): ProcessEntry | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (after[0] === 'Z') return undefined; // a zombie has already died
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim();
    return { pid, ppid: Number(after[1]), cmd };
  } catch {
    return undefined; // exited while we were reading
  }
}

/** Every live process whose chain of parents reaches `root` (not `root` itself). */
export function descendants(root: number): ProcessEntry[] {
  const all: ProcessEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const e = entry(Number(name));
    if (e !== undefined) all.push(e);
  }
  const byParent = new Map<number, ProcessEntry[]>();
  for (const e of all) byParent.set(e.ppid, [...(byParent.get(e.ppid) ?? []), e]);
  const out: ProcessEntry[] = [];
  const queue = [root];
  for (let i = 0; i < queue.length && i < 10_000; i++) {
    for (const child of byParent.get(queue[i]!) ?? []) {
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}
