/**
 * SDP parser (RFC 8866). Lenient where cameras deviate (LF-only line ends, trailing spaces, a
 * missing o= or t= line, unknown line types), strict about sizes: the text, the media count and
 * the attribute count are capped.
 */
import { ProtocolError } from '../../errors.ts';
import type {
  SdpAttribute,
  SdpBandwidth,
  SdpConnection,
  SdpMedia,
  SdpOrigin,
  SdpTiming,
  SessionDescription,
} from './session-description.ts';

/** Largest SDP accepted. */
export const MAX_SDP_BYTES = 64 * 1024;
/** Most m= sections accepted. */
export const MAX_SDP_MEDIA = 16;
/** Most a= lines accepted in one section (session or media). */
export const MAX_SDP_ATTRIBUTES = 256;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type MediaDraft = Mutable<SdpMedia> & { bandwidths: SdpBandwidth[]; attributes: SdpAttribute[] };

const DEFAULT_ORIGIN: SdpOrigin = { username: '-', sessionId: '0', sessionVersion: '0', netType: 'IN', addrType: 'IP4', address: '0.0.0.0' };

export function parseSdp(input: Buffer | string): SessionDescription {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  if (size > MAX_SDP_BYTES) throw new ProtocolError('RTSP_SDP_TOO_LARGE', `SDP of ${size} bytes exceeds ${MAX_SDP_BYTES}`);
  const text = typeof input === 'string' ? input : input.toString('utf8');
  const session: {
    version?: number;
    origin?: SdpOrigin;
    sessionName?: string;
    information?: string;
    uri?: string;
    email?: string;
    phone?: string;
    connection?: SdpConnection;
  } = {};
  const bandwidths: SdpBandwidth[] = [];
  const timing: SdpTiming[] = [];
  const attributes: SdpAttribute[] = [];
  const media: MediaDraft[] = [];
  let current: MediaDraft | undefined;

  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\r$/, '').trim();
    if (line.length === 0) continue;
    if (line.length < 2 || line[1] !== '=' || !/^[a-z]$/.test(line[0]!)) throw invalid(`malformed line ${JSON.stringify(line.slice(0, 80))}`);
    const type = line[0]!;
    const value = line.slice(2).trim();
    if (type === 'm') {
      if (media.length >= MAX_SDP_MEDIA) throw invalid(`more than ${MAX_SDP_MEDIA} media sections`);
      current = parseMediaLine(value);
      media.push(current);
      continue;
    }
    if (current !== undefined) {
      switch (type) {
        case 'i':
          current.title = value;
          break;
        case 'c':
          current.connection = parseConnection(value);
          break;
        case 'b':
          current.bandwidths.push(parseBandwidth(value));
          break;
        case 'a':
          if (current.attributes.length >= MAX_SDP_ATTRIBUTES) throw invalid('too many attributes in a media section');
          current.attributes.push(parseAttribute(value));
          break;
        default:
          break; // k= and unknown types are ignored (RFC 8866 §5)
      }
      continue;
    }
    switch (type) {
      case 'v':
        if (!/^\d+$/.test(value)) throw invalid(`bad version ${JSON.stringify(value)}`);
        session.version = Number(value);
        break;
      case 'o':
        session.origin = parseOrigin(value);
        break;
      case 's':
        session.sessionName = value;
        break;
      case 'i':
        session.information = value;
        break;
      case 'u':
        session.uri = value;
        break;
      case 'e':
        session.email = value;
        break;
      case 'p':
        session.phone = value;
        break;
      case 'c':
        session.connection = parseConnection(value);
        break;
      case 'b':
        bandwidths.push(parseBandwidth(value));
        break;
      case 't': {
        const [start = '0', stop = '0'] = value.split(/\s+/);
        timing.push({ start, stop });
        break;
      }
      case 'a':
        if (attributes.length >= MAX_SDP_ATTRIBUTES) throw invalid('too many session attributes');
        attributes.push(parseAttribute(value));
        break;
      default:
        break; // r=, z=, k= and unknown types are ignored
    }
  }
  if (session.version === undefined && media.length === 0) throw invalid('no v= line and no media');
  return {
    version: session.version ?? 0,
    origin: session.origin ?? DEFAULT_ORIGIN,
    sessionName: session.sessionName ?? '',
    ...optional('information', session.information),
    ...optional('uri', session.uri),
    ...optional('email', session.email),
    ...optional('phone', session.phone),
    ...optional('connection', session.connection),
    bandwidths,
    timing,
    attributes,
    media,
  };
}

function parseMediaLine(value: string): MediaDraft {
  const parts = value.split(/\s+/);
  const m = /^(\d{1,5})(?:\/(\d{1,5}))?$/.exec(parts[1] ?? '');
  if (parts.length < 3 || m === null) throw invalid(`bad m= line ${JSON.stringify(value.slice(0, 80))}`);
  const port = Number(m[1]);
  if (port > 65535) throw invalid(`bad m= port ${port}`);
  const draft: MediaDraft = {
    type: parts[0]!,
    port,
    protocol: parts[2]!,
    formats: parts.slice(3, 3 + MAX_SDP_ATTRIBUTES),
    bandwidths: [],
    attributes: [],
  };
  if (m[2] !== undefined) draft.portCount = Number(m[2]);
  return draft;
}

function parseOrigin(value: string): SdpOrigin {
  const p = value.split(/\s+/);
  // Some cameras omit the username or the address; fill the gaps rather than reject the stream.
  if (p.length < 6) return { ...DEFAULT_ORIGIN, ...(p[0] === undefined ? {} : { username: p[0] }) };
  return { username: p[0]!, sessionId: p[1]!, sessionVersion: p[2]!, netType: p[3]!, addrType: p[4]!, address: p[5]! };
}

function parseConnection(value: string): SdpConnection {
  const p = value.split(/\s+/);
  if (p.length < 3) throw invalid(`bad c= line ${JSON.stringify(value.slice(0, 80))}`);
  return { netType: p[0]!, addrType: p[1]!, address: p[2]! };
}

function parseBandwidth(value: string): SdpBandwidth {
  const m = /^([\w-]+):(\d{1,12})$/.exec(value);
  if (m === null) throw invalid(`bad b= line ${JSON.stringify(value.slice(0, 80))}`);
  return { type: m[1]!, value: Number(m[2]) };
}

function parseAttribute(value: string): SdpAttribute {
  const colon = value.indexOf(':');
  if (colon < 0) return { name: value };
  return { name: value.slice(0, colon).trim(), value: value.slice(colon + 1).trim() };
}

function optional<K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };
}

function invalid(what: string): ProtocolError {
  return new ProtocolError('RTSP_SDP_INVALID', `invalid SDP: ${what}`);
}
