/** Seeded mutation helpers for the rtmp/flv fuzz tests (test/fuzz/rtmp*.test.ts, flv*.test.ts). */
import assert from 'node:assert/strict';
import { isProtocolError } from '../../../../protocols/errors.ts';
import { saveCrasher } from '../../../fuzz/save-crasher.ts';

export const FUZZ_ITERATIONS = Number(process.env['CUPOLA_FUZZ_ITERATIONS'] ?? 2000);

/** Bytes that hit RTMP/FLV/AMF edge cases: markers, 0xFFFFFF timestamps, fmt bits. */
const INTERESTING = [0x00, 0x01, 0x02, 0x03, 0x07, 0x08, 0x09, 0x0a, 0x11, 0x12, 0x14, 0x3f, 0x40, 0x7f, 0x80, 0xc0, 0xff];

/** Flip, overwrite, delete, insert, duplicate or truncate a few bytes. */
export function mutate(input: Buffer, rnd: () => number, maxEdits = 4): Buffer {
  const bytes = [...input];
  const edits = 1 + Math.floor(rnd() * maxEdits);
  for (let i = 0; i < edits; i++) {
    const pos = Math.floor(rnd() * (bytes.length + 1));
    switch (Math.floor(rnd() * 6)) {
      case 0:
        if (pos < bytes.length) bytes[pos] = bytes[pos]! ^ (1 << Math.floor(rnd() * 8));
        break;
      case 1:
        if (pos < bytes.length) bytes[pos] = INTERESTING[Math.floor(rnd() * INTERESTING.length)]!;
        break;
      case 2:
        bytes.splice(pos, 1 + Math.floor(rnd() * 8));
        break;
      case 3:
        bytes.splice(pos, 0, Math.floor(rnd() * 256), Math.floor(rnd() * 256));
        break;
      case 4: {
        const from = Math.floor(rnd() * bytes.length);
        bytes.splice(pos, 0, ...bytes.slice(from, from + Math.floor(rnd() * 32)));
        break;
      }
      default:
        bytes.length = Math.min(bytes.length, pos);
    }
  }
  return Buffer.from(bytes);
}

/**
 * Runs `fn`; anything thrown must be a ProtocolError. With `save`, an input that breaks this is
 * kept in test/fuzz/corpus/<target>/ when CUPOLA_FUZZ_SAVE=1 (test/fuzz/save-crasher.ts).
 */
export function onlyProtocolError(fn: () => void, context: string, save?: { readonly target: string; readonly input: Buffer }): void {
  try {
    fn();
  } catch (err) {
    const note = save !== undefined && !isProtocolError(err) ? ` ${saveCrasher(save.target, save.input)}` : '';
    assert.ok(isProtocolError(err), `${context}: threw a non-ProtocolError: ${String(err)}${note}\n${err instanceof Error ? err.stack : ''}`);
  }
}
