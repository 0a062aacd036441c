/**
 * FLV byte-stream framing (FLV spec §E.2-E.3): the file header and each tag's 11-byte header and
 * trailing PreviousTagSize, written beside the body parts (writev) instead of concatenated.
 */
import { ProtocolError } from '../errors.ts';
import { FLV_HEADER_SIZE, FLV_TAG_HEADER_SIZE } from './constants.ts';
import type { FlvTagParts } from './from-frames.ts';

/** FLV header + PreviousTagSize0 (13 bytes). */
export function flvFileHeader(flags: { readonly hasAudio: boolean; readonly hasVideo: boolean }): Buffer {
  const out = Buffer.alloc(FLV_HEADER_SIZE + 4);
  out.write('FLV', 0, 'latin1');
  out[3] = 1;
  out[4] = (flags.hasAudio ? 0x04 : 0) | (flags.hasVideo ? 0x01 : 0);
  out.writeUInt32BE(FLV_HEADER_SIZE, 5);
  return out; // PreviousTagSize0 = 0 is already zero-filled
}

/** Largest body an FLV tag can describe (UI24 DataSize). */
const MAX_FLV_DATA_SIZE = 0xffffff;

/** [tag header, ...body parts, PreviousTagSize] for one tag. */
export function flvTagBuffers(tag: FlvTagParts): Buffer[] {
  let size = 0;
  for (const p of tag.parts) size += p.length;
  if (size > MAX_FLV_DATA_SIZE) throw new ProtocolError('FLV_TAG_TOO_LARGE', `FLV tag body of ${size} bytes`);
  const header = Buffer.alloc(FLV_TAG_HEADER_SIZE);
  const ts = tag.timestampMs >>> 0;
  header[0] = tag.type;
  header.writeUIntBE(size, 1, 3);
  header.writeUIntBE(ts & 0xffffff, 4, 3);
  header[7] = ts >>> 24; // TimestampExtended
  const trailer = Buffer.allocUnsafe(4);
  trailer.writeUInt32BE(FLV_TAG_HEADER_SIZE + size, 0);
  return [header, ...tag.parts, trailer];
}
