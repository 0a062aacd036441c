/**
 * LL-HLS playlists (RFC 8216bis), pure text builders: the media playlist with EXT-X-PART,
 * EXT-X-PRELOAD-HINT and EXT-X-SERVER-CONTROL (blocking reload), and the multivariant playlist
 * with CODECS. URIs are relative to the playlist; `query` (e.g. `token=...`) is appended to each,
 * for players that cannot send headers.
 */
import type { HlsPart, HlsSegment } from './ll-hls-segmenter.ts';

export const HLS_VERSION = 9;

/** Parts are listed for the segments this close to the live edge (RFC 8216bis §4.4.3.8: three target durations). */
export const PART_LISTED_SEGMENTS = 2;

export const HlsFiles = {
  media: 'stream.m3u8',
  init: 'init.mp4',
  segment: (msn: number) => `s${msn}.m4s`,
  part: (msn: number, index: number) => `p${msn}.${index}.m4s`,
} as const;

/** `s12.m4s` → {msn: 12}; `p12.3.m4s` → {msn: 12, part: 3}; null for anything else. */
export function parseMediaFile(name: string): { msn: number; part?: number } | null {
  const m = /^(?:s(\d{1,9})|p(\d{1,9})\.(\d{1,5}))\.m4s$/.exec(name);
  if (m === null) return null;
  if (m[1] !== undefined) return { msn: Number(m[1]) };
  return { msn: Number(m[2]), part: Number(m[3]) };
}

export interface MediaPlaylistInput {
  readonly targetDurationS: number;
  readonly partTargetS: number;
  readonly segments: readonly HlsSegment[];
  /** Parts of the segment in progress (msn `nextMsn`). */
  readonly openParts: readonly HlsPart[];
  readonly nextMsn: number;
  /** Appended to every URI (`a=b&c=d`), or empty. */
  readonly query?: string;
}

const sec = (ms: number): string => (ms / 1000).toFixed(3);

export function mediaPlaylist(p: MediaPlaylistInput): string {
  const q = p.query !== undefined && p.query !== '' ? `?${p.query}` : '';
  const first = p.segments[0]?.msn ?? p.nextMsn;
  const lines = [
    '#EXTM3U',
    `#EXT-X-VERSION:${HLS_VERSION}`,
    `#EXT-X-TARGETDURATION:${p.targetDurationS}`,
    // Players hold back three parts from the live edge (at least two are required).
    `#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${(p.partTargetS * 3).toFixed(3)}`,
    `#EXT-X-PART-INF:PART-TARGET=${p.partTargetS.toFixed(3)}`,
    `#EXT-X-MEDIA-SEQUENCE:${first}`,
    `#EXT-X-MAP:URI="${HlsFiles.init}${q}"`,
  ];
  const partLines = (parts: readonly HlsPart[]): void => {
    for (const part of parts) {
      lines.push(`#EXT-X-PART:DURATION=${sec(part.durationMs)},URI="${HlsFiles.part(part.msn, part.index)}${q}"${part.independent ? ',INDEPENDENT=YES' : ''}`);
    }
  };
  p.segments.forEach((s, i) => {
    if (i >= p.segments.length - PART_LISTED_SEGMENTS) partLines(s.parts);
    lines.push(`#EXTINF:${sec(s.durationMs)},`, `${HlsFiles.segment(s.msn)}${q}`);
  });
  partLines(p.openParts);
  lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${HlsFiles.part(p.nextMsn, p.openParts.length)}${q}"`);
  return `${lines.join('\n')}\n`;
}

export interface VariantInput {
  /** Peak bits per second. */
  readonly bandwidth: number;
  readonly codecs: readonly string[];
  readonly width?: number;
  readonly height?: number;
  readonly query?: string;
}

export function multivariantPlaylist(v: VariantInput): string {
  const q = v.query !== undefined && v.query !== '' ? `?${v.query}` : '';
  const attrs = [`BANDWIDTH=${Math.max(1, Math.round(v.bandwidth))}`];
  if (v.codecs.length > 0) attrs.push(`CODECS="${v.codecs.join(',')}"`);
  if (v.width !== undefined && v.height !== undefined && v.width > 0 && v.height > 0) attrs.push(`RESOLUTION=${v.width}x${v.height}`);
  return ['#EXTM3U', `#EXT-X-VERSION:${HLS_VERSION}`, `#EXT-X-STREAM-INF:${attrs.join(',')}`, `${HlsFiles.media}${q}`, ''].join('\n');
}

/**
 * Whether a blocking playlist request (`_HLS_msn`, `_HLS_part`) is satisfied (RFC 8216bis
 * §6.2.5.2): the playlist holds segment `msn` complete or a later one, or part `part` of `msn`.
 */
export function blockingSatisfied(nextMsn: number, openParts: number, msn: number, part: number | undefined): boolean {
  if (part === undefined) return msn < nextMsn;
  return msn < nextMsn || (msn === nextMsn && part < openParts);
}
