/**
 * Builds this node's WHEP service and read auth from its settings. ICE host candidates come from
 * the API listener's bound address (webrtc.iceHosts overrides): a specific bind host is the one
 * candidate; a wildcard bind offers every IPv4 address of the machine, loopback included.
 */
import { networkInterfaces } from 'node:os';
import type { Settings } from '../config/settings.ts';
import type { Logger } from '../log/logger.ts';
import type { ReaderQueueOptions } from '../streams/reader-queue.ts';
import type { StreamRegistry } from '../streams/registry.ts';
import type { FactoryName } from '../streams/types.ts';
import type { AccessControl } from '../access/access-control.ts';
import { WhepAuth } from './whep-auth.ts';
import { WhepService, type WebrtcMetrics } from './whep-service.ts';
import type { IceSettings } from './whep-session.ts';

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', '']);

/** IPv4 addresses of this machine's interfaces, loopback first. */
export function machineIpv4Addresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4') out.push(a.address);
  }
  return [...new Set(out)].sort((a, b) => Number(!a.startsWith('127.')) - Number(!b.startsWith('127.')));
}

export function iceSettings(settings: Settings, apiHost: string): IceSettings {
  const w = settings.webrtc;
  const wildcard = WILDCARDS.has(apiHost);
  const hostAddresses = w.iceHosts ?? (wildcard ? machineIpv4Addresses() : [apiHost]);
  const count = w.udpPortCount ?? Math.max(2, w.maxSessions);
  return {
    hostAddresses,
    bindAddress: wildcard || w.iceHosts !== undefined ? undefined : apiHost,
    portRange: w.udpPort === 0 ? undefined : [w.udpPort, w.udpPort + count - 1],
    stunServers: w.stunServers,
  };
}

export function whepFromSettings(
  settings: Settings,
  apiHost: string,
  registries: Readonly<Record<FactoryName, StreamRegistry>>,
  readerQueue: ReaderQueueOptions,
  metrics: { readonly webrtc: WebrtcMetrics } | undefined,
  log: Logger,
  access?: AccessControl,
): { service: WhepService; auth: WhepAuth } {
  const read = (f: FactoryName): { user: string; pass: string } | undefined => {
    const r = settings.factories[f].auth.read;
    return r === undefined ? undefined : { user: r.user, pass: r.pass };
  };
  const rawRead = read('raw');
  const compressedRead = read('compressed');
  const auth = new WhepAuth({
    ...(settings.api.token !== undefined ? { apiToken: settings.api.token } : {}),
    ...(access !== undefined ? { access } : {}),
    readCredentials: { ...(rawRead !== undefined ? { raw: rawRead } : {}), ...(compressedRead !== undefined ? { compressed: compressedRead } : {}) },
  });
  const service = new WhepService({
    registries,
    maxSessions: settings.webrtc.maxSessions,
    ice: iceSettings(settings, apiHost),
    advertisedHosts: settings.webrtc.advertisedHosts,
    readerQueue,
    log: log.child({ component: 'webrtc' }),
    ...(metrics !== undefined ? { metrics: metrics.webrtc } : {}),
  });
  return { service, auth };
}
