/**
 * Wall-clock stamps carried inside the video: an H.264 SEI NAL unit (user_data_unregistered,
 * ITU-T H.264 §D.1.7) with our UUID and a microsecond timestamp, put first in every access unit by
 * the benchmark's publisher. Every payload byte has its high bit set (7 bits of time per byte), so
 * no emulation prevention is needed (§7.4.1: 0x000000-0x000003 can never occur).
 */

const NAL_SEI = 6;
const SEI_USER_DATA_UNREGISTERED = 5;
/** Our UUID (16 bytes, all >= 0x80 so the NAL needs no emulation prevention). */
const UUID = Buffer.from('c0b0a0f0e1d1c1b1a1f1e2d2c2b2a2f2', 'hex');
const TIME_BYTES = 8;
/** NAL header + payloadType + payloadSize + UUID + time + rbsp trailing bits. */
export const STAMP_NALU_BYTES = 1 + 1 + 1 + UUID.length + TIME_BYTES + 1;

/** Microseconds on the monotonic clock (same clock for every socket of the load generator). */
export function nowUs(): number {
  return Math.round(performance.now() * 1000);
}

/** The SEI NAL unit (no length prefix) carrying `us`. */
export function stampNalu(us: number): Buffer {
  const b = Buffer.allocUnsafe(STAMP_NALU_BYTES);
  b[0] = NAL_SEI;
  b[1] = SEI_USER_DATA_UNREGISTERED;
  b[2] = UUID.length + TIME_BYTES;
  UUID.copy(b, 3);
  let v = us;
  for (let i = TIME_BYTES - 1; i >= 0; i--) {
    b[3 + UUID.length + i] = 0x80 | (v % 128);
    v = Math.floor(v / 128);
  }
  b[STAMP_NALU_BYTES - 1] = 0x80; // rbsp_stop_one_bit
  return b;
}

/** The stamp in a NAL unit starting at `off` (its header byte), or -1 if it is not one of ours. */
export function readStamp(buf: Buffer, off: number, end: number): number {
  if (end - off < STAMP_NALU_BYTES - 1) return -1;
  if ((buf[off]! & 0x1f) !== NAL_SEI || buf[off + 1] !== SEI_USER_DATA_UNREGISTERED || buf[off + 2] !== UUID.length + TIME_BYTES) return -1;
  for (let i = 0; i < UUID.length; i++) if (buf[off + 3 + i] !== UUID[i]) return -1;
  let v = 0;
  for (let i = 0; i < TIME_BYTES; i++) v = v * 128 + (buf[off + 3 + UUID.length + i]! & 0x7f);
  return v;
}
