/**
 * RFC 6184 depacketizer (packetization-mode 0 and 1): single NAL unit packets, STAP-A and FU-A.
 * STAP-B, MTAP and FU-B (interleaved mode) are counted as malformed and drop their access unit.
 */
import { H264NaluType } from '../../codecs/nalu.ts';
import type { AccessUnitAssembler } from '../access-unit-assembler.ts';
import type { DepacketizerOptions } from '../depacketizer.ts';
import { RtpReceiver } from '../receiver.ts';
import { VIDEO_CLOCK_RATE, VideoPayloadDepacketizer } from '../video-depacketizer.ts';

export const H264_CLOCK_RATE = VIDEO_CLOCK_RATE;
const NAL_TYPE_MASK = 0x1f;
/** F and NRI bits of the FU indicator, kept in the rebuilt NAL header (RFC 6184 §5.8). */
const FU_INDICATOR_KEEP_MASK = 0xe0;
export const FU_START_BIT = 0x80;
export const FU_END_BIT = 0x40;
/** NAL unit types 1..23 travel as single NAL unit packets (RFC 6184 §5.6). */
const SINGLE_NALU_FIRST_TYPE = 1;
const SINGLE_NALU_LAST_TYPE = 23;
const STAP_A_HEADER_BYTES = 1;
const STAP_NALU_SIZE_BYTES = 2;
const FU_A_HEADER_BYTES = 2;

export class H264Depacketizer extends RtpReceiver {
  constructor(options: DepacketizerOptions = {}) {
    super(H264_CLOCK_RATE, options, (stats) => new VideoPayloadDepacketizer('h264', stats, parseH264Payload));
  }
}

/** One RFC 6184 payload into the assembler; false when malformed or of an unsupported structure. */
export function parseH264Payload(payload: Buffer, assembler: AccessUnitAssembler): boolean {
  if (payload.length === 0) return false;
  const type = payload[0]! & NAL_TYPE_MASK;
  if (type >= SINGLE_NALU_FIRST_TYPE && type <= SINGLE_NALU_LAST_TYPE) {
    assembler.addNalu(payload);
    return true;
  }
  if (type === H264NaluType.StapA) return parseStapA(payload, assembler);
  if (type === H264NaluType.FuA) return parseFuA(payload, assembler);
  return false; // 0, 30, 31 undefined; STAP-B, MTAP16/24, FU-B need interleaved mode
}

/** RFC 6184 §5.7.1: [STAP-A header][size16][NALU][size16][NALU]... */
function parseStapA(payload: Buffer, assembler: AccessUnitAssembler): boolean {
  let off = STAP_A_HEADER_BYTES;
  if (off >= payload.length) return false;
  while (off < payload.length) {
    if (off + STAP_NALU_SIZE_BYTES > payload.length) return false;
    const size = payload.readUInt16BE(off);
    off += STAP_NALU_SIZE_BYTES;
    if (size === 0 || off + size > payload.length) return false;
    assembler.addNalu(payload.subarray(off, off + size));
    off += size;
  }
  return true;
}

/** RFC 6184 §5.8: [FU indicator][FU header: S E R type][fragment]. */
function parseFuA(payload: Buffer, assembler: AccessUnitAssembler): boolean {
  if (payload.length < FU_A_HEADER_BYTES) return false;
  const indicator = payload[0]!;
  const header = payload[1]!;
  const start = (header & FU_START_BIT) !== 0;
  const end = (header & FU_END_BIT) !== 0;
  const body = payload.subarray(FU_A_HEADER_BYTES);
  if (start) {
    const nalHeader = Buffer.from([(indicator & FU_INDICATOR_KEEP_MASK) | (header & NAL_TYPE_MASK)]);
    assembler.startFragment(nalHeader, body);
    // Some cameras send a whole NAL unit as one FU-A with both S and E set (forbidden by §5.8).
    if (end) assembler.continueFragment(body.subarray(body.length), true);
    return true;
  }
  assembler.continueFragment(body, end);
  return true;
}
