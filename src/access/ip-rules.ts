/**
 * Per-action IP allow/deny lists (`auth.ipAllow.<action>`, `auth.ipDeny.<action>`): addresses and
 * CIDR ranges, IPv4 and IPv6, matched with node:net's BlockList. Deny wins; a non-empty allow list
 * lets only its addresses in. Checked before any credentials, whatever the method.
 */
import net from 'node:net';
import { ACCESS_ACTIONS, normalizeIp, type AccessAction } from './access-request.ts';

export type IpLists = Readonly<Partial<Record<AccessAction, readonly string[]>>>;

/** Parses `10.0.0.0/8`, `192.168.1.7`, `fd00::/8`, `::1`; throws naming the entry otherwise. */
export function addIpEntry(list: net.BlockList, entry: string): void {
  const [addr, prefix, ...rest] = entry.trim().split('/');
  const family = addr === undefined ? 0 : net.isIP(addr);
  if (addr === undefined || family === 0 || rest.length > 0) throw new Error(`"${entry}" is not an IP address or CIDR range`);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (prefix === undefined) return list.addAddress(addr, type);
  const bits = Number(prefix);
  if (!/^\d{1,3}$/.test(prefix) || bits > (family === 4 ? 32 : 128)) throw new Error(`"${entry}" has a bad prefix length`);
  list.addSubnet(addr, bits, type);
}

function blockList(entries: readonly string[] | undefined): net.BlockList | null {
  if (entries === undefined || entries.length === 0) return null;
  const list = new net.BlockList();
  for (const e of entries) addIpEntry(list, e);
  return list;
}

function contains(list: net.BlockList, ip: string): boolean {
  const family = net.isIP(ip);
  if (family === 0) return false;
  return list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

export class IpRules {
  readonly #allow = new Map<AccessAction, net.BlockList>();
  readonly #deny = new Map<AccessAction, net.BlockList>();

  constructor(allow: IpLists = {}, deny: IpLists = {}) {
    for (const action of ACCESS_ACTIONS) {
      const a = blockList(allow[action]);
      const d = blockList(deny[action]);
      if (a !== null) this.#allow.set(action, a);
      if (d !== null) this.#deny.set(action, d);
    }
  }

  /** Whether any list concerns this action (else the check is free and synchronous paths stay so). */
  has(action: AccessAction): boolean {
    return this.#allow.has(action) || this.#deny.has(action);
  }

  /** null when the address may go on to the credential check; else why not. */
  refuse(action: AccessAction, rawIp: string): string | null {
    const ip = normalizeIp(rawIp);
    const denied = this.#deny.get(action);
    if (denied !== undefined && contains(denied, ip)) return `${ip} is in auth.ipDeny.${action}`;
    const allowed = this.#allow.get(action);
    if (allowed !== undefined && !contains(allowed, ip)) return `${ip} is not in auth.ipAllow.${action}`;
    return null;
  }
}
