/**
 * Annex B byte streams (ITU-T H.264 / H.265 Annex B: NAL units behind 00 00 01 or 00 00 00 01
 * start codes) and their conversion to and from the 4-byte length-prefixed form that Frame uses.
 */
import { joinLengthPrefixed, splitLengthPrefixed } from '../media/frame.ts';

const START_CODE = Buffer.from([0, 0, 1]);
const START_CODE_4 = Buffer.from([0, 0, 0, 1]);

/**
 * Splits an Annex B stream into NAL unit views (no copy). Bytes before the first start code are
 * ignored; trailing zero bytes of a unit (trailing_zero_8bits, or the first byte of a following
 * 4-byte start code) are trimmed; empty units are skipped.
 */
export function splitAnnexB(stream: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = stream.indexOf(START_CODE);
  while (start >= 0) {
    const payloadStart = start + 3;
    const next = stream.indexOf(START_CODE, payloadStart);
    let end = next >= 0 ? next : stream.length;
    while (end > payloadStart && stream[end - 1] === 0) end--;
    if (end > payloadStart) out.push(stream.subarray(payloadStart, end));
    start = next;
  }
  return out;
}

/** True when the buffer begins with a 3- or 4-byte start code. */
export function startsWithStartCode(buf: Buffer): boolean {
  if (buf.length >= 3 && buf[0] === 0 && buf[1] === 0) {
    if (buf[2] === 1) return true;
    return buf.length >= 4 && buf[2] === 0 && buf[3] === 1;
  }
  return false;
}

/** Annex B stream -> one 4-byte length-prefixed access unit (one allocation). */
export function annexBToLengthPrefixed(stream: Buffer): Buffer {
  return joinLengthPrefixed(splitAnnexB(stream));
}

/** NAL units -> Annex B with 4-byte start codes (one allocation). */
export function joinAnnexB(nalus: readonly Buffer[]): Buffer {
  let size = 0;
  for (const n of nalus) size += 4 + n.length;
  const out = Buffer.allocUnsafe(size);
  let off = 0;
  for (const n of nalus) {
    off += START_CODE_4.copy(out, off);
    off += n.copy(out, off);
  }
  return out;
}

/** 4-byte length-prefixed access unit -> Annex B with 4-byte start codes. */
export function lengthPrefixedToAnnexB(payload: Buffer): Buffer {
  return joinAnnexB(splitLengthPrefixed(payload));
}

/**
 * Removes emulation_prevention_three_byte (00 00 03 -> 00 00) to give the RBSP (H.264 §7.4.1).
 * Returns the input itself when it holds no such byte, otherwise one copy.
 */
export function removeEmulationPrevention(nalu: Buffer): Buffer {
  let i = findEmulation(nalu, 0);
  if (i < 0) return nalu;
  const out = Buffer.allocUnsafe(nalu.length);
  let w = 0;
  let r = 0;
  while (i >= 0) {
    // Copy up to and including the two zeros, skip the 03.
    w += nalu.copy(out, w, r, i + 2);
    r = i + 3;
    i = findEmulation(nalu, r);
  }
  w += nalu.copy(out, w, r);
  return out.subarray(0, w);
}

/** Index of the first 00 00 03 at or after `from`, or -1. */
function findEmulation(buf: Buffer, from: number): number {
  for (let i = from; i + 2 < buf.length; i++) {
    if (buf[i + 2]! > 3) {
      i += 2; // no 00 00 03 can straddle a byte > 3 at i+2
    } else if (buf[i] === 0 && buf[i + 1] === 0 && buf[i + 2] === 3) {
      return i;
    }
  }
  return -1;
}
