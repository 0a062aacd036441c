/**
 * RFC 7798 depacketizer without DONL (sprop-max-don-diff = 0): single NAL unit packets,
 * aggregation packets (AP) and fragmentation units (FU). PACI and undefined types are counted as
 * malformed and drop their access unit.
 */
import { H265NaluType } from '../../codecs/nalu.ts';
import type { AccessUnitAssembler } from '../access-unit-assembler.ts';
import type { DepacketizerOptions } from '../depacketizer.ts';
import { RtpReceiver } from '../receiver.ts';
import { VIDEO_CLOCK_RATE, VideoPayloadDepacketizer } from '../video-depacketizer.ts';

export const H265_CLOCK_RATE = VIDEO_CLOCK_RATE;
/** NAL unit types 0..47 travel as single NAL unit packets (RFC 7798 §4.4.1). */
const SINGLE_NALU_LAST_TYPE = 47;
export const H265_PAYLOAD_HEADER_BYTES = 2;
const AP_NALU_SIZE_BYTES = 2;
export const H265_FU_HEADER_BYTES = 1;
export const H265_FU_START_BIT = 0x80;
export const H265_FU_END_BIT = 0x40;
const FU_TYPE_MASK = 0x3f;
/** F bit and the LayerId high bit of the first header byte (RFC 7798 §1.1.4). */
const HEADER_BYTE0_KEEP_MASK = 0x81;

export class H265Depacketizer extends RtpReceiver {
  constructor(options: DepacketizerOptions = {}) {
    super(H265_CLOCK_RATE, options, (stats) => new VideoPayloadDepacketizer('h265', stats, parseH265Payload));
  }
}

/** One RFC 7798 payload into the assembler; false when malformed or of an unsupported structure. */
export function parseH265Payload(payload: Buffer, assembler: AccessUnitAssembler): boolean {
  if (payload.length <= H265_PAYLOAD_HEADER_BYTES) return false;
  const type = (payload[0]! >> 1) & 0x3f;
  if (type <= SINGLE_NALU_LAST_TYPE) {
    assembler.addNalu(payload);
    return true;
  }
  if (type === H265NaluType.AggregationPacket) return parseAp(payload, assembler);
  if (type === H265NaluType.FragmentationUnit) return parseFu(payload, assembler);
  return false;
}

/** RFC 7798 §4.4.2: [payload header][size16][NALU][size16][NALU]... (no DONL/DOND). */
function parseAp(payload: Buffer, assembler: AccessUnitAssembler): boolean {
  let off = H265_PAYLOAD_HEADER_BYTES;
  let count = 0;
  while (off < payload.length) {
    if (off + AP_NALU_SIZE_BYTES > payload.length) return false;
    const size = payload.readUInt16BE(off);
    off += AP_NALU_SIZE_BYTES;
    if (size < H265_PAYLOAD_HEADER_BYTES || off + size > payload.length) return false;
    assembler.addNalu(payload.subarray(off, off + size));
    off += size;
    count++;
  }
  return count > 0;
}

/** RFC 7798 §4.4.3: [payload header][FU header: S E type][fragment] (no DONL). */
function parseFu(payload: Buffer, assembler: AccessUnitAssembler): boolean {
  const fuHeaderOffset = H265_PAYLOAD_HEADER_BYTES;
  if (payload.length < fuHeaderOffset + H265_FU_HEADER_BYTES) return false;
  const fuHeader = payload[fuHeaderOffset]!;
  const start = (fuHeader & H265_FU_START_BIT) !== 0;
  const end = (fuHeader & H265_FU_END_BIT) !== 0;
  const body = payload.subarray(fuHeaderOffset + H265_FU_HEADER_BYTES);
  if (start) {
    const nalHeader = Buffer.from([(payload[0]! & HEADER_BYTE0_KEEP_MASK) | ((fuHeader & FU_TYPE_MASK) << 1), payload[1]!]);
    assembler.startFragment(nalHeader, body);
    // §4.4.3 forbids S and E together; tolerated as a whole NAL unit, as for H.264 cameras.
    if (end) assembler.continueFragment(body.subarray(body.length), true);
    return true;
  }
  assembler.continueFragment(body, end);
  return true;
}
