/**
 * Keeps the last N lines of a byte stream (ffmpeg's stderr) for diagnosis. Lines end at \n or \r
 * (ffmpeg redraws its status line with \r); over-long lines are cut; credentials in URLs are masked.
 */
import { StringDecoder } from 'node:string_decoder';

/** Characters kept of one line. */
export const MAX_TAIL_LINE_CHARS = 500;

/** `scheme://user:pass@host` -> `scheme://***@host`: ffmpeg prints its input URL, credentials included. */
export function redactUrlCredentials(line: string): string {
  return line.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@'"]+@/gi, '$1***@');
}

export class LineTail {
  readonly #max: number;
  #lines: string[] = [];
  #partial = '';
  #decoder = new StringDecoder('utf8');

  constructor(maxLines: number) {
    this.#max = Math.max(1, maxLines);
  }

  push(chunk: Buffer | string): void {
    const text = this.#partial + (typeof chunk === 'string' ? chunk : this.#decoder.write(chunk));
    const parts = text.split(/\r\n|\r|\n/);
    this.#partial = (parts.pop() ?? '').slice(0, MAX_TAIL_LINE_CHARS);
    for (const p of parts) this.pushLine(p);
  }

  /** Adds one complete line (also used for the supervisor's own notes). */
  pushLine(line: string): void {
    if (line.trim() === '') return;
    const kept = redactUrlCredentials(line);
    this.#lines.push(kept.length > MAX_TAIL_LINE_CHARS ? kept.slice(0, MAX_TAIL_LINE_CHARS) : kept);
    if (this.#lines.length > this.#max) this.#lines.splice(0, this.#lines.length - this.#max);
  }

  /** The kept lines, oldest first, including an unterminated last line. */
  lines(): string[] {
    return this.#partial.trim() === '' ? [...this.#lines] : [...this.#lines, redactUrlCredentials(this.#partial)].slice(-this.#max);
  }
}
