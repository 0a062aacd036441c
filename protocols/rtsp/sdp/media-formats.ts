/**
 * RTP payload formats of an SDP media section: `a=rtpmap` (RFC 8866 §6.6), `a=fmtp` (§6.15) and
 * the static payload types of RFC 3551 §6, in the RtpCodecParams shape protocols/rtp/format.ts uses.
 */
import { ProtocolError } from '../../errors.ts';
import type { RtpCodecParams } from '../../rtp/rtp-codec-params.ts';
import { getAttributes, type SdpAttribute, type SdpMedia } from './session-description.ts';

/**
 * One RTP payload format as SDP describes it: protocols/rtp's RtpCodecParams. Parsed fmtp names
 * are lower-cased (vendors differ: `SizeLength` / `sizelength`).
 */
export type SdpRtpFormat = RtpCodecParams;

/** RFC 3551 §6, Table 4 and 5: payload types usable without rtpmap. */
const STATIC_PAYLOAD_TYPES: Readonly<Record<number, { encodingName: string; clockRate: number; channels?: number }>> = {
  0: { encodingName: 'PCMU', clockRate: 8000, channels: 1 },
  3: { encodingName: 'GSM', clockRate: 8000, channels: 1 },
  8: { encodingName: 'PCMA', clockRate: 8000, channels: 1 },
  9: { encodingName: 'G722', clockRate: 8000, channels: 1 },
  10: { encodingName: 'L16', clockRate: 44100, channels: 2 },
  11: { encodingName: 'L16', clockRate: 44100, channels: 1 },
  14: { encodingName: 'MPA', clockRate: 90000 },
  26: { encodingName: 'JPEG', clockRate: 90000 },
  32: { encodingName: 'MPV', clockRate: 90000 },
  33: { encodingName: 'MP2T', clockRate: 90000 },
};

/** Every payload format of the m= line that rtpmap or the static table describes, in m= order. */
export function mediaRtpFormats(media: SdpMedia): SdpRtpFormat[] {
  const out: SdpRtpFormat[] = [];
  for (const fmt of media.formats) {
    if (!/^\d{1,3}$/.test(fmt)) continue;
    const pt = Number(fmt);
    if (pt > 127) continue;
    const fmtp = fmtpOf(media.attributes, pt);
    const map = rtpmapOf(media.attributes, pt);
    if (map !== undefined) out.push({ payloadType: pt, ...map, fmtp });
    else {
      const s = STATIC_PAYLOAD_TYPES[pt];
      if (s !== undefined) out.push({ payloadType: pt, ...s, fmtp });
    }
  }
  return out;
}

/** `a=rtpmap` and `a=fmtp` attributes describing one format, for building a media section. */
export function formatAttributes(f: SdpRtpFormat): SdpAttribute[] {
  const rtpmap = `${f.payloadType} ${f.encodingName}/${f.clockRate}${f.channels === undefined ? '' : `/${f.channels}`}`;
  const out: SdpAttribute[] = [{ name: 'rtpmap', value: rtpmap }];
  const fmtp = formatFmtp(f.fmtp);
  if (fmtp !== '') out.push({ name: 'fmtp', value: `${f.payloadType} ${fmtp}` });
  return out;
}

/** `key=value; key=value` as written after the payload type of an fmtp line. */
export function formatFmtp(params: Readonly<Record<string, string>>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');
}

/** Parses the part after the payload type: `;`-separated `key=value` (values may hold `=`). */
export function parseFmtp(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim().toLowerCase();
    if (k !== '') out[k] = part.slice(eq + 1).trim();
  }
  return out;
}

function rtpmapOf(attrs: readonly SdpAttribute[], pt: number): Omit<SdpRtpFormat, 'payloadType' | 'fmtp'> | undefined {
  for (const value of getAttributes(attrs, 'rtpmap')) {
    const m = /^(\d{1,3})\s+([^/\s]+)\/(\d{1,9})(?:\/(\d{1,2}))?\s*$/.exec(value);
    if (m === null) {
      if (value.startsWith(`${pt} `)) throw new ProtocolError('RTSP_SDP_INVALID', `bad rtpmap ${JSON.stringify(value.slice(0, 80))}`);
      continue;
    }
    if (Number(m[1]) !== pt) continue;
    const clockRate = Number(m[3]);
    if (clockRate === 0) throw new ProtocolError('RTSP_SDP_INVALID', `rtpmap with clock rate 0: ${JSON.stringify(value)}`);
    return { encodingName: m[2]!, clockRate, ...(m[4] === undefined ? {} : { channels: Number(m[4]) }) };
  }
  return undefined;
}

function fmtpOf(attrs: readonly SdpAttribute[], pt: number): Record<string, string> {
  for (const value of getAttributes(attrs, 'fmtp')) {
    const m = /^(\d{1,3})\s+(.*)$/s.exec(value);
    if (m !== null && Number(m[1]) === pt) return parseFmtp(m[2]!);
  }
  return {};
}
