/**
 * AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1): the body of an FLV AVC sequence
 * header, carrying the SPS/PPS and the NAL unit length size of the frames that follow.
 */
import { ProtocolError } from '../errors.ts';
import { ownedCopy } from '../bytes/owned-copy.ts';

export interface AvcDecoderConfig {
  readonly profile: number;
  readonly profileCompatibility: number;
  readonly level: number;
  /** NAL unit length field size minus one (0, 1 or 3). */
  readonly lengthSizeMinusOne: number;
  /** Parameter sets, copied out of the input (they are kept for the whole stream). */
  readonly sps: readonly Buffer[];
  readonly pps: readonly Buffer[];
}

/** Fixed part: version, profile, compatibility, level, lengthSizeMinusOne, numOfSequenceParameterSets. */
const AVC_CONFIG_FIXED_SIZE = 6;

function truncated(what: string): ProtocolError {
  return new ProtocolError('FLV_AVC_CONFIG_INVALID', `AVCDecoderConfigurationRecord truncated in ${what}`);
}

export function parseAvcDecoderConfig(buf: Buffer): AvcDecoderConfig {
  if (buf.length < AVC_CONFIG_FIXED_SIZE) throw truncated('header');
  // Version must be 1; some encoders write 0 — tolerated, the rest of the layout is the same.
  const version = buf[0]!;
  if (version > 1) {
    throw new ProtocolError('FLV_AVC_CONFIG_INVALID', `AVCDecoderConfigurationRecord version ${version}`);
  }
  const lengthSizeMinusOne = buf[4]! & 0x03;
  if (lengthSizeMinusOne === 2) {
    throw new ProtocolError('FLV_AVC_CONFIG_INVALID', 'NAL unit length size 3 is not allowed');
  }
  let off = 5;
  const sps: Buffer[] = [];
  const pps: Buffer[] = [];
  const numSps = buf[off++]! & 0x1f;
  for (let i = 0; i < numSps; i++) off = readParameterSet(buf, off, sps, 'SPS');
  if (off >= buf.length) throw truncated('PPS count');
  const numPps = buf[off++]!;
  for (let i = 0; i < numPps; i++) off = readParameterSet(buf, off, pps, 'PPS');
  // Trailing chroma/bit-depth extension bytes (high profiles) are not needed: the SPS has them.
  return {
    profile: buf[1]!,
    profileCompatibility: buf[2]!,
    level: buf[3]!,
    lengthSizeMinusOne,
    sps,
    pps,
  };
}

function readParameterSet(buf: Buffer, off: number, out: Buffer[], what: string): number {
  if (off + 2 > buf.length) throw truncated(`${what} length`);
  const len = buf.readUInt16BE(off);
  off += 2;
  if (off + len > buf.length) throw truncated(what);
  if (len > 0) out.push(ownedCopy(buf.subarray(off, off + len)));
  return off + len;
}

/** Builds a record with 4-byte NAL unit lengths from one or more SPS and PPS (no prefixes). */
export function buildAvcDecoderConfig(sps: readonly Buffer[], pps: readonly Buffer[]): Buffer {
  const first = sps[0];
  if (first === undefined || first.length < 4) {
    throw new ProtocolError('FLV_AVC_CONFIG_INVALID', 'cannot build an AVC sequence header without an SPS');
  }
  if (sps.length > 31 || pps.length > 255) {
    throw new ProtocolError('FLV_AVC_CONFIG_INVALID', 'too many parameter sets');
  }
  let size = AVC_CONFIG_FIXED_SIZE + 1;
  for (const s of sps) size += 2 + s.length;
  for (const p of pps) size += 2 + p.length;
  const out = Buffer.allocUnsafe(size);
  out[0] = 1;
  out[1] = first[1]!; // profile_idc
  out[2] = first[2]!; // constraint_set flags
  out[3] = first[3]!; // level_idc
  out[4] = 0xfc | 3; // reserved 6 bits + lengthSizeMinusOne = 3
  out[5] = 0xe0 | sps.length;
  let off = 6;
  for (const s of sps) {
    out.writeUInt16BE(s.length, off);
    off += 2 + s.copy(out, off + 2);
  }
  out[off++] = pps.length;
  for (const p of pps) {
    out.writeUInt16BE(p.length, off);
    off += 2 + p.copy(out, off + 2);
  }
  return out;
}
