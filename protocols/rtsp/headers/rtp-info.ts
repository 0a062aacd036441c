/**
 * RTP-Info (RFC 2326 §12.33): per stream, the URL and the sequence number and RTP timestamp of
 * the first packet the client will receive after PLAY.
 */
import { ProtocolError } from '../../errors.ts';

export interface RtpInfoEntry {
  readonly url: string;
  readonly seq?: number;
  readonly rtptime?: number;
}

/** Most entries read from one header (one per track; two is usual). */
export const MAX_RTP_INFO_ENTRIES = 16;

export function parseRtpInfo(value: string): RtpInfoEntry[] {
  const out: RtpInfoEntry[] = [];
  for (const raw of splitEntries(value)) {
    if (out.length >= MAX_RTP_INFO_ENTRIES) break;
    let url: string | undefined;
    let seq: number | undefined;
    let rtptime: number | undefined;
    for (const part of raw.split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      const k = part.slice(0, eq).trim().toLowerCase();
      const v = part.slice(eq + 1).trim();
      if (k === 'url') url = v.replace(/^"|"$/g, '');
      else if (k === 'seq') seq = parseUint(v, 0xffff, value);
      else if (k === 'rtptime') rtptime = parseUint(v, 0xffffffff, value);
    }
    if (url === undefined || url === '') throw invalid(value);
    out.push({ url, ...(seq === undefined ? {} : { seq }), ...(rtptime === undefined ? {} : { rtptime }) });
  }
  return out;
}

export function formatRtpInfo(entries: readonly RtpInfoEntry[]): string {
  return entries
    .map((e) => {
      let s = `url=${e.url}`;
      if (e.seq !== undefined) s += `;seq=${e.seq}`;
      if (e.rtptime !== undefined) s += `;rtptime=${e.rtptime >>> 0}`;
      return s;
    })
    .join(',');
}

/** Entries are comma-separated, but a comma inside a URL does not start one: split before `url=`. */
function splitEntries(value: string): string[] {
  return value
    .split(/,(?=\s*url\s*=)/i)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function parseUint(v: string, max: number, value: string): number {
  if (!/^\d{1,10}$/.test(v)) throw invalid(value);
  const n = Number(v);
  if (n > max) throw invalid(value);
  return n;
}

function invalid(value: string): ProtocolError {
  return new ProtocolError('RTSP_RTP_INFO_INVALID', `bad RTP-Info: ${JSON.stringify(value.slice(0, 200))}`);
}
