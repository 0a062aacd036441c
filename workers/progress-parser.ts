/**
 * Incremental parser of ffmpeg's `-progress` output: blocks of `key=value` lines, each ended by
 * `progress=continue` (or `progress=end` on the last one). Text arrives in arbitrary pieces.
 */

/** One block. Values ffmpeg prints as N/A become 0 (bitrate, speed) so consumers need no checks. */
export interface ProgressReport {
  /** Frames encoded since ffmpeg started. */
  readonly frame: number;
  readonly fps: number;
  /** Average output bitrate (bit/s) since the start. */
  readonly bitrateBps: number;
  readonly totalSizeBytes: number;
  /** Output timestamp (µs). */
  readonly outTimeUs: number;
  readonly dupFrames: number;
  readonly dropFrames: number;
  /** Encoding speed relative to real time. */
  readonly speed: number;
  /** ffmpeg's last block (it is finishing). */
  readonly end: boolean;
}

/** A line longer than this is not ffmpeg progress; it is dropped. */
export const MAX_PROGRESS_LINE_CHARS = 1024;

/** Parses "123.4kbits/s" (or "N/A") into bit/s. */
export function parseBitrate(value: string): number {
  const m = /^\s*([0-9.]+)\s*([kmg]?)bits\/s\s*$/i.exec(value);
  if (m === null) return 0;
  const scale = { '': 1, k: 1e3, m: 1e6, g: 1e9 }[m[2]!.toLowerCase()] ?? 1;
  const n = Number(m[1]) * scale;
  return Number.isFinite(n) ? n : 0;
}

/** Parses "0.998x" (or "N/A", "   0x") into a number. */
export function parseSpeed(value: string): number {
  const m = /^\s*([0-9.e+-]+)x\s*$/i.exec(value);
  const n = m === null ? 0 : Number(m[1]);
  return Number.isFinite(n) ? n : 0;
}

function num(value: string | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value.trim());
  return Number.isFinite(n) ? n : 0;
}

export class ProgressParser {
  readonly #onReport: (report: ProgressReport) => void;
  #partial = '';
  #fields = new Map<string, string>();

  constructor(onReport: (report: ProgressReport) => void) {
    this.#onReport = onReport;
  }

  push(chunk: string | Buffer): void {
    const text = this.#partial + (typeof chunk === 'string' ? chunk : chunk.toString('latin1'));
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      this.#line(text.slice(start, nl));
      start = nl + 1;
    }
    // An over-long unterminated line is garbage; keep the tail bounded.
    const rest = text.length - start;
    this.#partial = rest > MAX_PROGRESS_LINE_CHARS ? '' : text.slice(start);
  }

  #line(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length > MAX_PROGRESS_LINE_CHARS) return;
    const eq = line.indexOf('=');
    if (eq <= 0) return;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1);
    if (key !== 'progress') {
      if (this.#fields.size < 64 || this.#fields.has(key)) this.#fields.set(key, value);
      return;
    }
    const f = this.#fields;
    this.#fields = new Map();
    this.#onReport({
      frame: num(f.get('frame')),
      fps: num(f.get('fps')),
      bitrateBps: parseBitrate(f.get('bitrate') ?? ''),
      totalSizeBytes: num(f.get('total_size')),
      // ffmpeg 4.1 prints both; out_time_ms is (despite its name) also in microseconds.
      outTimeUs: num(f.get('out_time_us') ?? f.get('out_time_ms')),
      dupFrames: num(f.get('dup_frames')),
      dropFrames: num(f.get('drop_frames')),
      speed: parseSpeed(f.get('speed') ?? ''),
      end: value.trim() === 'end',
    });
  }
}
