/**
 * Transport (RFC 2326 §12.39). Clients send one or more comma-separated alternatives; each is
 * `RTP/AVP[/UDP|/TCP];param;param=value...`. Parameter names compare case-insensitively and
 * unknown parameters are ignored, as the RFC asks.
 */
import { ProtocolError } from '../../errors.ts';

export type LowerTransport = 'UDP' | 'TCP';
export type PortPair = readonly [number, number];

export interface RtspTransport {
  /** Transport/profile as sent, upper-cased: `RTP/AVP`, `RTP/AVPF`, `RTP/SAVP`. */
  readonly profile: string;
  readonly lowerTransport: LowerTransport;
  /** Undefined when the spec names neither `unicast` nor `multicast`. */
  readonly delivery?: 'unicast' | 'multicast';
  readonly destination?: string;
  readonly source?: string;
  readonly interleaved?: PortPair;
  readonly clientPort?: PortPair;
  readonly serverPort?: PortPair;
  /** Multicast port pair (`port=`). */
  readonly port?: PortPair;
  readonly ttl?: number;
  readonly ssrc?: number;
  readonly mode?: 'play' | 'record';
}

/** Most alternatives read from one header; more are ignored. */
export const MAX_TRANSPORT_ALTERNATIVES = 16;

export function parseTransports(value: string): RtspTransport[] {
  const specs = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (specs.length === 0) throw invalid('empty Transport header', value);
  return specs.slice(0, MAX_TRANSPORT_ALTERNATIVES).map(parseTransport);
}

export function parseTransport(spec: string): RtspTransport {
  const [head, ...params] = spec.split(';');
  const parts = (head ?? '').trim().toUpperCase().split('/');
  if (parts.length < 2 || parts.length > 3 || parts[0] !== 'RTP' || !/^[A-Z]+$/.test(parts[1]!)) {
    throw invalid('unsupported transport protocol', spec);
  }
  const lower = parts[2] ?? 'UDP';
  if (lower !== 'UDP' && lower !== 'TCP') throw invalid('unsupported lower transport', spec);
  const t: Mutable<RtspTransport> = { profile: `${parts[0]}/${parts[1]}`, lowerTransport: lower };
  for (const raw of params) {
    const param = raw.trim();
    if (param.length === 0) continue;
    const eq = param.indexOf('=');
    const name = (eq < 0 ? param : param.slice(0, eq)).trim().toLowerCase();
    // Some cameras pad values with spaces (`ssrc=  1A2B3C4D`); quotes come from mode="RECORD".
    const v = eq < 0 ? '' : unquote(param.slice(eq + 1).trim());
    switch (name) {
      case 'unicast':
      case 'multicast':
        t.delivery = name;
        break;
      case 'destination':
        if (v !== '') t.destination = v;
        break;
      case 'source':
        if (v !== '') t.source = v;
        break;
      case 'interleaved':
        t.interleaved = parsePair(v, 255, spec);
        break;
      case 'client_port':
        t.clientPort = parsePair(v, 65535, spec);
        break;
      case 'server_port':
        t.serverPort = parsePair(v, 65535, spec);
        break;
      case 'port':
        t.port = parsePair(v, 65535, spec);
        break;
      case 'ttl':
        if (!/^\d{1,3}$/.test(v)) throw invalid('bad ttl', spec);
        t.ttl = Number(v);
        break;
      case 'ssrc':
        if (!/^[0-9A-Fa-f]{1,8}$/.test(v)) throw invalid('bad ssrc', spec);
        t.ssrc = parseInt(v, 16) >>> 0;
        break;
      case 'mode': {
        const mode = v.toLowerCase();
        if (mode !== 'play' && mode !== 'record') throw invalid('unsupported mode', spec);
        t.mode = mode;
        break;
      }
      default:
        // RFC 2326 §12.39: unknown parameters are ignored (append, layers, ...).
        break;
    }
  }
  return t;
}

export function formatTransport(t: RtspTransport): string {
  const parts = [t.lowerTransport === 'TCP' ? `${t.profile}/TCP` : t.profile];
  if (t.delivery !== undefined) parts.push(t.delivery);
  if (t.destination !== undefined) parts.push(`destination=${t.destination}`);
  if (t.source !== undefined) parts.push(`source=${t.source}`);
  if (t.interleaved !== undefined) parts.push(`interleaved=${pair(t.interleaved)}`);
  if (t.port !== undefined) parts.push(`port=${pair(t.port)}`);
  if (t.ttl !== undefined) parts.push(`ttl=${t.ttl}`);
  if (t.clientPort !== undefined) parts.push(`client_port=${pair(t.clientPort)}`);
  if (t.serverPort !== undefined) parts.push(`server_port=${pair(t.serverPort)}`);
  if (t.ssrc !== undefined) parts.push(`ssrc=${t.ssrc.toString(16).toUpperCase().padStart(8, '0')}`);
  if (t.mode !== undefined) parts.push(`mode=${t.mode}`);
  return parts.join(';');
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** `a-b`, or a single `a` meaning the pair a, a+1 (RFC 2326 §12.39 port ranges). */
function parsePair(v: string, max: number, spec: string): PortPair {
  const m = /^(\d{1,5})(?:\s*-\s*(\d{1,5}))?$/.exec(v);
  if (m === null) throw invalid('bad range', spec);
  const a = Number(m[1]);
  const b = m[2] === undefined ? a + 1 : Number(m[2]);
  if (a > max || b > max) throw invalid('range out of bounds', spec);
  return [a, b];
}

function pair(p: PortPair): string {
  return `${p[0]}-${p[1]}`;
}

function unquote(v: string): string {
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1).trim() : v;
}

function invalid(what: string, spec: string): ProtocolError {
  return new ProtocolError('RTSP_TRANSPORT_INVALID', `${what} in Transport ${JSON.stringify(spec.slice(0, 200))}`);
}
