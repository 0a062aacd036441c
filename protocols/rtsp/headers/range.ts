/** Range (RFC 2326 §12.29, §3.6): only the Normal Play Time form is interpreted. */
import { ProtocolError } from '../../errors.ts';

export type NptTime = number | 'now';

export interface NptRange {
  readonly kind: 'npt';
  /** Seconds, or 'now' for a live position. */
  readonly start: NptTime;
  /** Seconds; undefined for an open range (`npt=0-`). */
  readonly end?: number;
}

/** A SMPTE or clock range, kept as text: Cupola serves live streams and ignores them. */
export interface OtherRange {
  readonly kind: 'other';
  readonly raw: string;
}

export type RtspRange = NptRange | OtherRange;

export function parseRange(value: string): RtspRange {
  const [spec] = value.split(';');
  const text = (spec ?? '').trim();
  const eq = text.indexOf('=');
  if (eq < 0) throw invalid(value);
  const unit = text.slice(0, eq).trim().toLowerCase();
  if (unit !== 'npt') return { kind: 'other', raw: text };
  const body = text.slice(eq + 1).trim();
  const dash = body.indexOf('-');
  if (dash < 0) throw invalid(value);
  const startText = body.slice(0, dash).trim();
  const endText = body.slice(dash + 1).trim();
  // `npt=-20` (no start) is allowed by RFC 2326 §3.6 and means "from the beginning".
  const start = startText === '' ? 0 : parseNptTime(startText, value);
  if (endText === '') return { kind: 'npt', start };
  const end = parseNptTime(endText, value);
  if (end === 'now') throw invalid(value);
  return { kind: 'npt', start, end };
}

export function formatRange(range: RtspRange): string {
  if (range.kind === 'other') return range.raw;
  const start = range.start === 'now' ? 'now' : range.start.toFixed(3);
  return `npt=${start}-${range.end === undefined ? '' : range.end.toFixed(3)}`;
}

/** npt-sec (`12.5`) or npt-hhmmss (`0:01:02.5`). */
function parseNptTime(text: string, value: string): NptTime {
  if (text.toLowerCase() === 'now') return 'now';
  let m = /^(\d{1,12})(?:\.(\d{0,9}))?$/.exec(text);
  if (m !== null) return Number(`${m[1]}.${m[2] ?? ''}0`);
  m = /^(\d{1,9}):([0-5]?\d):([0-5]?\d)(?:\.(\d{0,9}))?$/.exec(text);
  if (m !== null) return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(`${m[3]}.${m[4] ?? ''}0`);
  throw invalid(value);
}

function invalid(value: string): ProtocolError {
  return new ProtocolError('RTSP_RANGE_INVALID', `bad Range: ${JSON.stringify(value.slice(0, 100))}`);
}
