/** Seeded mutation helpers for the rtp/codecs fuzz tests (test/fuzz/rtp*.test.ts, codecs*.test.ts). */
import assert from 'node:assert/strict';
import { isProtocolError } from '../../../../protocols/errors.ts';
import { saveCrasher } from '../../../fuzz/save-crasher.ts';
import { pick } from '../../../helpers/random.ts';

export const FUZZ_ITERATIONS = Number(process.env['CUPOLA_FUZZ_ITERATIONS'] ?? 2000);

const INTERESTING_BYTES = [0x00, 0x01, 0x03, 0x1c, 0x18, 0x60, 0x62, 0x7c, 0x80, 0x85, 0x45, 0xc0, 0xff];

/** Byte-level mutations: flip, overwrite with an interesting byte, delete, insert, duplicate, truncate. */
export function mutateBytes(input: Buffer, rnd: () => number, maxEdits = 4): Buffer {
  const bytes = [...input];
  const n = 1 + Math.floor(rnd() * maxEdits);
  for (let i = 0; i < n; i++) {
    const pos = Math.floor(rnd() * (bytes.length + 1));
    switch (Math.floor(rnd() * 6)) {
      case 0:
        if (pos < bytes.length) bytes[pos] = bytes[pos]! ^ (1 << Math.floor(rnd() * 8));
        break;
      case 1:
        if (pos < bytes.length) bytes[pos] = pick(INTERESTING_BYTES, rnd);
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
 * Runs `fn`; anything thrown must be a ProtocolError. Returns whether it threw. With `save`, an
 * input that breaks this is kept in test/fuzz/corpus/<target>/ when CUPOLA_FUZZ_SAVE=1.
 */
export function onlyProtocolError(fn: () => void, context: string, save?: { readonly target: string; readonly input: Buffer }): boolean {
  try {
    fn();
    return false;
  } catch (err) {
    const note = save !== undefined && !isProtocolError(err) ? ` ${saveCrasher(save.target, save.input)}` : '';
    assert.ok(isProtocolError(err), `${context}: ${String(err)}${note}`);
    return true;
  }
}
