/**
 * Reading a slave's API answers: GET /api/v1/streams (the live streams of both factories) and
 * GET /api/v1/node (who it is and the ports it serves on). Pure parsing of untrusted JSON: anything
 * malformed is skipped or refused with a message, never trusted.
 */
import type { FactoryName, PublisherKind } from '../streams/types.ts';
import type { UpstreamStream } from './plan.ts';

/** Streams taken from one listing at most; a slave serves a site's cameras, not millions. */
export const MAX_UPSTREAM_STREAMS = 10_000;
const MAX_PATH_LENGTH = 256;

const FACTORIES: readonly FactoryName[] = ['raw', 'compressed'];
const PUBLISHER_KINDS: readonly PublisherKind[] = ['rtmp', 'rtsp', 'compressor', 'replication', 'internal'];

/** The ports of an upstream's media listeners. */
export interface UpstreamPorts {
  /** RTMP ingest + play (Factory 1). */
  readonly rtmp: number;
  /** RTSP raw (Factory 1). */
  readonly rtspRaw: number;
  /** RTSP compressed (Factory 2). */
  readonly rtspCompressed: number;
  /** Its TLS twins; absent or null: not offered (pulled in plain text). */
  readonly rtmps?: number | null;
  readonly rtspsRaw?: number | null;
  readonly rtspsCompressed?: number | null;
}

export interface UpstreamNode {
  readonly name?: string;
  readonly role?: string;
  /** Only the ports the node announced. */
  readonly ports: Partial<UpstreamPorts>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPort(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 65535;
}

/**
 * Parses GET /api/v1/streams: `{items: [...]}` (Cupola's API), an object with a `streams` array,
 * or a bare array of stream objects.
 * Each kept entry has a factory and a path; `publisher.kind` and `uptimeSeconds` are used when
 * present (the latter turned into a start time against `fetchedAt`). Streams marked `live: false`
 * are left out. Throws when the body is not a listing at all.
 */
export function parseStreamListing(body: unknown, fetchedAt: number): UpstreamStream[] {
  const list = Array.isArray(body)
    ? body
    : isObject(body) && Array.isArray(body.items)
      ? body.items
      : isObject(body) && Array.isArray(body.streams)
        ? body.streams
        : null;
  if (list === null) throw new Error('not a stream listing (expected {items: [...]})');
  const out: UpstreamStream[] = [];
  for (const item of list.slice(0, MAX_UPSTREAM_STREAMS)) {
    if (!isObject(item)) continue;
    const { factory, path } = item;
    if (typeof factory !== 'string' || !(FACTORIES as readonly string[]).includes(factory)) continue;
    if (typeof path !== 'string' || path.length === 0 || path.length > MAX_PATH_LENGTH) continue;
    if (item.live === false) continue;
    const publisher = item.publisher;
    if (publisher === null) continue; // listed but without a publisher: nothing to pull
    let publisherKind: PublisherKind | undefined;
    if (isObject(publisher) && typeof publisher.kind === 'string' && (PUBLISHER_KINDS as readonly string[]).includes(publisher.kind)) {
      publisherKind = publisher.kind as PublisherKind;
    }
    const uptime = item.uptimeSeconds;
    const since = typeof uptime === 'number' && Number.isFinite(uptime) && uptime >= 0 ? Math.round(fetchedAt - uptime * 1000) : undefined;
    const bitrate = item.bitrateBps;
    const bitrateBps = typeof bitrate === 'number' && Number.isFinite(bitrate) && bitrate >= 0 ? bitrate : undefined;
    out.push({ factory: factory as FactoryName, path, publisherKind, since, ...(bitrateBps !== undefined ? { bitrateBps } : {}) });
  }
  return out;
}

/**
 * Parses GET /api/v1/node. Ports are read from `ports` as {rtmp, rtspRaw, rtspCompressed} (the
 * config's naming) or {rtmp, rtsp, compressedRtsp} (the `listening` line's naming); the TLS ports
 * likewise as {rtmps, rtspsRaw, rtspsCompressed} or {rtmps, rtsps, compressedRtsps}. A node that
 * announces ports but no TLS port (or null) offers none: its TLS ports are null, so configured ones
 * do not outlive a slave restarted without TLS.
 */
export function parseNodeInfo(body: unknown): UpstreamNode {
  if (!isObject(body)) throw new Error('not a node description (expected an object)');
  const ports: { -readonly [K in keyof UpstreamPorts]?: UpstreamPorts[K] } = {};
  const p = body.ports;
  if (isObject(p)) {
    if (isPort(p.rtmp)) ports.rtmp = p.rtmp;
    const raw = p.rtspRaw ?? p.rtsp;
    if (isPort(raw)) ports.rtspRaw = raw;
    const compressed = p.rtspCompressed ?? p.compressedRtsp;
    if (isPort(compressed)) ports.rtspCompressed = compressed;
    const rtmps = p.rtmps;
    ports.rtmps = isPort(rtmps) ? rtmps : null;
    const rtspsRaw = p.rtspsRaw ?? p.rtsps;
    ports.rtspsRaw = isPort(rtspsRaw) ? rtspsRaw : null;
    const rtspsCompressed = p.rtspsCompressed ?? p.compressedRtsps;
    ports.rtspsCompressed = isPort(rtspsCompressed) ? rtspsCompressed : null;
  }
  const out: { name?: string; role?: string; ports: Partial<UpstreamPorts> } = { ports };
  if (typeof body.name === 'string') out.name = body.name.slice(0, 128);
  if (typeof body.role === 'string') out.role = body.role.slice(0, 32);
  return out;
}
