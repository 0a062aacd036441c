/**
 * A configured remote node (`node.upstreams[]`, `node.peer`) as the replication, the peer watch and
 * the compressor role follow it. tlsCaFile is read here, once, at start-up.
 */
import { readFileSync } from 'node:fs';
import type { RemoteNode } from '../config/settings.ts';
import type { ClientTls } from '../net/client-socket.ts';
import type { UpstreamConfig } from './upstream-watch.ts';

/** A configured upstream (slave) as the replication follows it. */
export function upstreamConfig(u: RemoteNode): UpstreamConfig {
  const host = u.host.includes(':') && !u.host.startsWith('[') ? `[${u.host}]` : u.host;
  return {
    id: u.id,
    apiUrl: u.apiUrl ?? `http://${host}:${u.ports.api}`,
    apiToken: u.apiToken,
    host: u.host,
    ports: {
      rtmp: u.ports.rtmp,
      rtspRaw: u.ports.rtspRaw,
      rtspCompressed: u.ports.rtspCompressed,
      ...(u.ports.rtmps !== undefined ? { rtmps: u.ports.rtmps } : {}),
      ...(u.ports.rtspsRaw !== undefined ? { rtspsRaw: u.ports.rtspsRaw } : {}),
      ...(u.ports.rtspsCompressed !== undefined ? { rtspsCompressed: u.ports.rtspsCompressed } : {}),
    },
    readCredentials: u.readCredentials,
    ...(u.tlsCaFile !== undefined || u.tlsInsecure ? { tls: upstreamTrust(u) } : {}),
  };
}

/** How an upstream's certificate is checked (tlsCaFile read once, at start-up). */
function upstreamTrust(u: RemoteNode): ClientTls {
  let ca: Buffer | undefined;
  if (u.tlsCaFile !== undefined) {
    try {
      ca = readFileSync(u.tlsCaFile);
    } catch (err) {
      throw new Error(`upstream ${u.id}: cannot read tlsCaFile ${u.tlsCaFile}: ${(err as Error).message}`, { cause: err });
    }
  }
  return { ...(ca !== undefined ? { ca } : {}), rejectUnauthorized: !u.tlsInsecure };
}
