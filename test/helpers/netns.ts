/**
 * Two network namespaces joined by a veth pair, for partition tests (the kernel here has no netem
 * and no iptables: a partition is the link going down). Addresses are a private /30 that exists
 * only inside the two namespaces (10.213.<n>.1 and .2); each namespace has its loopback up.
 * Needs root and iproute2; `createNetnsPair` returns a reason to skip otherwise. `remove()` deletes
 * both namespaces (the veth pair goes with them) and is safe to call twice.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface NetnsPair {
  /** Namespace names (cupola-f-<random>-a / -b). */
  readonly a: string;
  readonly b: string;
  /** Address of each side on the veth link. */
  readonly addrA: string;
  readonly addrB: string;
  /** Takes the link down (partition) or up again (heal), on b's end. */
  setLink(up: boolean): void;
  remove(): void;
}

const created = new Set<NetnsPair>();

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
}

export function createNetnsPair(): NetnsPair | { skip: string } {
  if (process.getuid?.() !== 0) return { skip: 'network namespaces need root (ip netns); not root here' };
  const id = randomBytes(3).toString('hex');
  const a = `cupola-f-${id}-a`;
  const b = `cupola-f-${id}-b`;
  // Interface names are at most 15 bytes.
  const vethA = `cfa${id}`;
  const vethB = `cfb${id}`;
  const subnet = 1 + (parseInt(id.slice(0, 2), 16) % 250);
  const addrA = `10.213.${subnet}.1`;
  const addrB = `10.213.${subnet}.2`;
  let removed = false;
  const pair: NetnsPair = {
    a, b, addrA, addrB,
    setLink(up) {
      ip('-n', b, 'link', 'set', vethB, up ? 'up' : 'down');
    },
    remove() {
      if (removed) return;
      removed = true;
      created.delete(pair);
      for (const ns of [a, b]) {
        try {
          ip('netns', 'del', ns);
        } catch {
          // Not created (setup failed half way) or already gone: nothing to remove.
        }
      }
    },
  };
  try {
    ip('netns', 'add', a);
    ip('netns', 'add', b);
    created.add(pair);
    ip('link', 'add', vethA, 'type', 'veth', 'peer', 'name', vethB);
    ip('link', 'set', vethA, 'netns', a);
    ip('link', 'set', vethB, 'netns', b);
    ip('-n', a, 'addr', 'add', `${addrA}/30`, 'dev', vethA);
    ip('-n', b, 'addr', 'add', `${addrB}/30`, 'dev', vethB);
    for (const [ns, dev] of [[a, vethA], [b, vethB]] as const) {
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'link', 'set', dev, 'up');
    }
  } catch (err) {
    pair.remove();
    try {
      ip('link', 'del', vethA); // left in the root namespace if the move failed
    } catch {
      // Never created or moved away: nothing to delete.
    }
    const e = err as { stderr?: string; message: string };
    return { skip: `ip netns / veth setup failed: ${(e.stderr ?? e.message).trim()}` };
  }
  return pair;
}

/** Removes every pair still present (after hooks; also run on process exit as a last resort). */
export function removeAllNetns(): void {
  for (const p of [...created]) p.remove();
}

process.on('exit', removeAllNetns);
