/**
 * The WHEP offer, pure: parse a browser's SDP offer (RFC 8866 / JSEP RFC 8829) far enough to pick
 * the one payload format per media section that carries a stream as it is (no re-encoding), and
 * rewrite the offer so it lists only that format. The WebRTC stack then answers exactly it
 * (werift matches formats by MIME type only and would otherwise send with the first H.264 offered,
 * which may be packetization-mode 0 or another profile).
 */
import { ProtocolError } from '../errors.ts';

/** Largest offer accepted (bytes). Browsers send 4-10 KiB. */
export const MAX_OFFER_BYTES = 64 * 1024;
/** Most lines accepted in an offer. */
export const MAX_OFFER_LINES = 2000;

export type OfferDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface OfferFormat {
  readonly payloadType: number;
  /** rtpmap encoding name as written (`H264`, `opus`, `PCMU`...). */
  readonly encodingName: string;
  readonly clockRate: number;
  readonly channels?: number;
  /** The fmtp parameter string as written, '' when none. */
  readonly fmtp: string;
}

export interface OfferMedia {
  readonly kind: string;
  readonly proto: string;
  readonly mid: string | undefined;
  readonly direction: OfferDirection;
  /** Formats in the order of the m= line (preference order). */
  readonly formats: readonly OfferFormat[];
  /** The section's lines, m= line first. */
  readonly lines: readonly string[];
}

export interface ParsedOffer {
  readonly sessionLines: readonly string[];
  readonly media: readonly OfferMedia[];
}

const RTPMAP = /^a=rtpmap:(\d{1,3}) ([A-Za-z0-9_.-]+)\/(\d{1,6})(?:\/(\d{1,2}))?\s*$/;
const FMTP = /^a=fmtp:(\d{1,3}) (.*)$/;
const MEDIA = /^m=([a-z]+) (\d{1,5})(?:\/\d+)? ([A-Za-z0-9/_.-]+)((?: [A-Za-z0-9_.-]+)*)\s*$/;
const DIRECTIONS: readonly OfferDirection[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];
/** Static payload types (RFC 3551 §6) a browser may list without an rtpmap. */
const STATIC_FORMATS: Readonly<Record<number, Omit<OfferFormat, 'fmtp' | 'payloadType'>>> = {
  0: { encodingName: 'PCMU', clockRate: 8000, channels: 1 },
  8: { encodingName: 'PCMA', clockRate: 8000, channels: 1 },
};

function malformed(message: string): ProtocolError {
  return new ProtocolError('WEBRTC_OFFER_MALFORMED', message);
}

/** Parses an offer; throws ProtocolError (WEBRTC_OFFER_*) for what a WHEP server must refuse with 400. */
export function parseOffer(text: string): ParsedOffer {
  if (Buffer.byteLength(text, 'utf8') > MAX_OFFER_BYTES) {
    throw new ProtocolError('WEBRTC_OFFER_TOO_LARGE', `SDP offer over ${MAX_OFFER_BYTES} bytes`);
  }
  const lines = text.split(/\r?\n/).filter((l) => l !== '');
  if (lines.length > MAX_OFFER_LINES) throw new ProtocolError('WEBRTC_OFFER_TOO_LARGE', `SDP offer over ${MAX_OFFER_LINES} lines`);
  if (lines[0] !== 'v=0') throw malformed('SDP offer must start with "v=0"');
  const sessionLines: string[] = [];
  const sections: string[][] = [];
  for (const line of lines) {
    if (!/^[a-z]=/.test(line)) throw malformed(`SDP line is not "<type>=<value>": ${JSON.stringify(line.slice(0, 80))}`);
    if (line.startsWith('m=')) sections.push([line]);
    else if (sections.length === 0) sessionLines.push(line);
    else sections[sections.length - 1]!.push(line);
  }
  if (sections.length === 0) throw malformed('SDP offer has no media section (m= line)');
  const sessionHas = (prefix: string): boolean => sessionLines.some((l) => l.startsWith(prefix));
  const sessionDirection = DIRECTIONS.find((d) => sessionLines.includes(`a=${d}`)) ?? 'sendrecv';
  const media = sections.map((s, index) => parseMedia(s, index, sessionDirection));
  for (const [i, s] of sections.entries()) {
    if (media[i]!.kind !== 'audio' && media[i]!.kind !== 'video') continue;
    const has = (prefix: string): boolean => sessionHas(prefix) || s.some((l) => l.startsWith(prefix));
    if (!has('a=ice-ufrag:') || !has('a=ice-pwd:')) throw malformed(`media section ${i} has no ICE credentials (a=ice-ufrag / a=ice-pwd)`);
    if (!has('a=fingerprint:')) throw malformed(`media section ${i} has no DTLS fingerprint (a=fingerprint)`);
  }
  return { sessionLines, media };
}

function parseMedia(lines: readonly string[], index: number, sessionDirection: OfferDirection): OfferMedia {
  const m = MEDIA.exec(lines[0]!);
  if (m === null) throw malformed(`media section ${index}: malformed m= line ${JSON.stringify(lines[0]!.slice(0, 120))}`);
  const kind = m[1]!;
  const proto = m[3]!;
  const fmts = m[4]!.trim() === '' ? [] : m[4]!.trim().split(' ');
  const rtpmaps = new Map<number, Omit<OfferFormat, 'fmtp'>>();
  const fmtps = new Map<number, string>();
  let mid: string | undefined;
  let direction = sessionDirection;
  for (const line of lines.slice(1)) {
    if (line.startsWith('a=rtpmap:')) {
      const r = RTPMAP.exec(line);
      if (r === null) throw malformed(`media section ${index}: malformed ${JSON.stringify(line.slice(0, 120))}`);
      rtpmaps.set(Number(r[1]), {
        payloadType: Number(r[1]),
        encodingName: r[2]!,
        clockRate: Number(r[3]),
        ...(r[4] !== undefined ? { channels: Number(r[4]) } : {}),
      });
    } else if (line.startsWith('a=fmtp:')) {
      const f = FMTP.exec(line);
      if (f !== null) fmtps.set(Number(f[1]), f[2]!.trim());
    } else if (line.startsWith('a=mid:')) {
      mid = line.slice('a=mid:'.length).trim();
    } else {
      const d = DIRECTIONS.find((x) => line === `a=${x}`);
      if (d !== undefined) direction = d;
    }
  }
  const formats: OfferFormat[] = [];
  if (proto.includes('RTP')) {
    for (const f of fmts) {
      if (!/^\d{1,3}$/.test(f)) throw malformed(`media section ${index}: payload type "${f}" is not a number`);
      const pt = Number(f);
      const map = rtpmaps.get(pt) ?? (STATIC_FORMATS[pt] !== undefined ? { payloadType: pt, ...STATIC_FORMATS[pt]! } : undefined);
      if (map === undefined) continue; // a dynamic type without rtpmap cannot be chosen
      formats.push({ ...map, fmtp: fmtps.get(pt) ?? '' });
    }
  }
  return { kind, proto, mid, direction, formats, lines };
}

/** What the stream offers a reader, as the WHEP output can send it unchanged. */
export interface StreamFormats {
  readonly video?: { readonly codec: 'h264' | 'h265'; /** H.264 profile_idc from the SPS (66, 77, 100...). */ readonly profile?: number };
  /** Only G.711 passes through (AAC and MP3 are not WebRTC codecs). */
  readonly audio?: { readonly codec: 'pcmu' | 'pcma' | 'other'; readonly sampleRate: number; readonly channels: number };
}

export interface ChosenMedia {
  readonly index: number;
  readonly kind: 'video' | 'audio';
  readonly format: OfferFormat;
  /** false: the section is answered inactive (nothing of this kind is sent). */
  readonly send: boolean;
}

export interface OfferChoice {
  /** One entry per audio/video section, in offer order. */
  readonly media: readonly ChosenMedia[];
  readonly video: ChosenMedia | undefined;
  readonly audio: ChosenMedia | undefined;
  /** Why the stream's audio is not sent, when it has audio but none goes out. */
  readonly audioNotSent: string | undefined;
}

function fmtpParam(fmtp: string, name: string): string | undefined {
  for (const part of fmtp.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim().toLowerCase() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const receives = (d: OfferDirection): boolean => d === 'recvonly' || d === 'sendrecv';
const isCodec = (f: OfferFormat, name: string, clockRate: number): boolean => f.encodingName.toUpperCase() === name && f.clockRate === clockRate;

/** The H.264 format to send with: packetization-mode 1 (FU-A, STAP-A: what our packetizer makes), the stream's profile first. */
function pickH264(formats: readonly OfferFormat[], profile: number | undefined): OfferFormat | undefined {
  const mode1 = formats.filter((f) => isCodec(f, 'H264', 90000) && fmtpParam(f.fmtp, 'packetization-mode') === '1');
  if (profile !== undefined) {
    const hex = profile.toString(16).padStart(2, '0');
    const same = mode1.find((f) => (fmtpParam(f.fmtp, 'profile-level-id') ?? '').toLowerCase().startsWith(hex));
    if (same !== undefined) return same;
  }
  return mode1[0];
}

/** Picks a format per section for the stream; throws WEBRTC_OFFER_UNSUPPORTED when no video or audio can go out. */
export function chooseFormats(offer: ParsedOffer, stream: StreamFormats): OfferChoice {
  const media: ChosenMedia[] = [];
  let video: ChosenMedia | undefined;
  let audio: ChosenMedia | undefined;
  let videoReason: string | undefined;
  for (const [index, m] of offer.media.entries()) {
    if (m.kind !== 'video' && m.kind !== 'audio') continue;
    if (!m.proto.includes('SAVPF')) throw new ProtocolError('WEBRTC_OFFER_UNSUPPORTED', `media section ${index} uses ${m.proto}, not UDP/TLS/RTP/SAVPF`);
    const fallback = m.formats[0];
    if (fallback === undefined) throw new ProtocolError('WEBRTC_OFFER_UNSUPPORTED', `media section ${index} lists no payload format with an rtpmap`);
    let chosen: OfferFormat | undefined;
    if (m.kind === 'video' && video === undefined && stream.video !== undefined) {
      if (!receives(m.direction)) videoReason = `the video section is ${m.direction}: a WHEP offer must receive (recvonly)`;
      else if (stream.video.codec === 'h264') {
        chosen = pickH264(m.formats, stream.video.profile);
        if (chosen === undefined) videoReason = 'the camera sends H.264 but the offer has no H264/90000 with packetization-mode=1';
      } else {
        chosen = m.formats.find((f) => isCodec(f, 'H265', 90000));
        if (chosen === undefined) videoReason = 'the camera sends H.265 but the browser offers no H265/90000 (it cannot decode H.265)';
      }
    }
    if (m.kind === 'audio' && audio === undefined && stream.audio !== undefined && receives(m.direction)) {
      const a = stream.audio;
      if ((a.codec === 'pcmu' || a.codec === 'pcma') && a.sampleRate === 8000 && a.channels === 1) {
        chosen = m.formats.find((f) => isCodec(f, a.codec.toUpperCase(), 8000));
      }
    }
    const entry: ChosenMedia = { index, kind: m.kind, format: chosen ?? fallback, send: chosen !== undefined };
    if (chosen !== undefined && m.kind === 'video') video = entry;
    if (chosen !== undefined && m.kind === 'audio') audio = entry;
    media.push(entry);
  }
  if (stream.video !== undefined && video === undefined) {
    throw new ProtocolError('WEBRTC_OFFER_UNSUPPORTED', videoReason ?? 'the offer has no video section (add a recvonly video transceiver)');
  }
  if (stream.video === undefined && audio === undefined) {
    throw new ProtocolError('WEBRTC_OFFER_UNSUPPORTED', 'the stream has no video and its audio cannot be sent over WebRTC (only G.711 passes through)');
  }
  let audioNotSent: string | undefined;
  if (stream.audio !== undefined && audio === undefined) {
    audioNotSent =
      stream.audio.codec === 'pcmu' || stream.audio.codec === 'pcma'
        ? 'the offer has no receiving audio section with this G.711 format'
        : 'the camera\'s audio is AAC or MP3, which WebRTC cannot carry: video only';
  }
  return { media, video, audio, audioNotSent };
}

/**
 * The offer with each audio/video section reduced to its chosen format (m= line, rtpmap, fmtp and
 * rtcp-fb of the other payload types removed: RTX, RED and FEC included). Other sections are kept.
 */
export function restrictOffer(offer: ParsedOffer, choice: OfferChoice): string {
  const out = [...offer.sessionLines];
  for (const [index, m] of offer.media.entries()) {
    const chosen = choice.media.find((c) => c.index === index);
    if (chosen === undefined) {
      out.push(...m.lines);
      continue;
    }
    const pt = chosen.format.payloadType;
    const parts = m.lines[0]!.split(' ');
    out.push(`${parts.slice(0, 3).join(' ')} ${pt}`);
    for (const line of m.lines.slice(1)) {
      const ref = /^a=(?:rtpmap|fmtp|rtcp-fb):(\d{1,3}|\*) /.exec(line);
      if (ref !== null && ref[1] !== '*' && Number(ref[1]) !== pt) continue;
      out.push(line);
    }
  }
  return `${out.join('\r\n')}\r\n`;
}

/**
 * Adds, for every host candidate of the answer, the same candidate at each advertised address
 * (a 1:1 NAT or port forwarding that keeps the UDP port), with a lower priority.
 */
export function addAdvertisedCandidates(answer: string, hosts: readonly string[]): string {
  if (hosts.length === 0) return answer;
  const lines = answer.split(/\r?\n/);
  const out: string[] = [];
  for (const line of lines) {
    out.push(line);
    const c = /^a=candidate:(\S+) (\d+) (udp|UDP) (\d+) (\S+) (\d+) typ host(.*)$/.exec(line);
    if (c === null) continue;
    for (const [i, h] of hosts.entries()) {
      if (h === c[5]) continue;
      const priority = Math.max(1, Number(c[4]) - 256 * (i + 1));
      out.push(`a=candidate:${c[1]}a${i} ${c[2]} ${c[3]} ${priority} ${h} ${c[6]} typ host${c[7]}`);
    }
  }
  return out.join('\r\n');
}
