/**
 * The address put in this node's internal URLs when `node.host` is not set: the bound address when
 * it is a specific one, else (a wildcard bind such as 0.0.0.0) the machine's primary address —
 * one other machines on the LAN can reach, unlike 127.0.0.1. Pure: the interfaces are passed in.
 */
import { hostname, networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

export interface MachineInfo {
  readonly interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>;
  readonly hostname: string;
}

export function thisMachine(): MachineInfo {
  return { interfaces: networkInterfaces(), hostname: hostname() };
}

export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]' || host === '';
}

/**
 * The first non-loopback, non-link-local IPv4 address in interface order; else the first such
 * IPv6 address; else the host name; else 127.0.0.1.
 */
export function primaryAddress(m: MachineInfo): string {
  const all = Object.values(m.interfaces).flatMap((list) => list ?? []).filter((a) => !a.internal);
  const v4 = all.find((a) => a.family === 'IPv4' && !a.address.startsWith('169.254.'));
  if (v4 !== undefined) return v4.address;
  const v6 = all.find((a) => a.family === 'IPv6' && !/^fe80:/i.test(a.address));
  if (v6 !== undefined) return v6.address;
  return m.hostname !== '' ? m.hostname : '127.0.0.1';
}

/** `node.host`'s default for a node bound to `bindHost`. */
export function defaultInternalHost(bindHost: string, m: MachineInfo): string {
  return isWildcardHost(bindHost) ? primaryAddress(m) : bindHost;
}
