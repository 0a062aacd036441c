/**
 * The fMP4 initialization segment (ISO/IEC 14496-12 §8, ISO/IEC 23000-19 CMAF): `ftyp` and a
 * `moov` with one `trak` per track (empty sample tables) and `mvex`/`trex`, so every sample lives
 * in the media fragments. Sample entries: avc1+avcC, hvc1+hvcC, mp4a+esds (AAC, MP3), alaw/ulaw
 * (G.711), Opus+dOps.
 */
import { box, encodeBoxes, fullBox, u16, u32, u8, zeros, type Box } from './box.ts';
import type { Mp4AudioTrack, Mp4Track, Mp4VideoTrack } from './track.ts';

const MATRIX = u32(0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000);
/** ISO-639-2/T "und", packed as three 5-bit letters. */
const LANGUAGE_UND = 0x55c4;

export function buildInitSegment(tracks: readonly Mp4Track[]): Buffer {
  const ftyp = box('ftyp', [Buffer.from('iso5', 'latin1'), u32(512), Buffer.from('iso5iso6mp41', 'latin1')]);
  const nextId = tracks.reduce((m, t) => Math.max(m, t.id), 0) + 1;
  const mvhd = fullBox('mvhd', 0, 0, [u32(0, 0, 1000, 0, 0x00010000), u16(0x0100), zeros(10), MATRIX, zeros(24), u32(nextId)]);
  const mvex = box('mvex', tracks.map((t) => fullBox('trex', 0, 0, [u32(t.id, 1, 0, 0, 0)])));
  return encodeBoxes([ftyp, box('moov', [mvhd, ...tracks.map(trak), mvex])]);
}

function trak(t: Mp4Track): Box {
  const video = t.kind === 'video';
  const tkhd = fullBox('tkhd', 0, 3, [
    u32(0, 0, t.id, 0, 0),
    zeros(8),
    u16(0, 0, video ? 0 : 0x0100, 0),
    MATRIX,
    u32(video ? t.width * 65536 : 0, video ? t.height * 65536 : 0),
  ]);
  const mdhd = fullBox('mdhd', 0, 0, [u32(0, 0, t.timescale, 0), u16(LANGUAGE_UND, 0)]);
  const name = video ? 'VideoHandler' : 'SoundHandler';
  const hdlr = fullBox('hdlr', 0, 0, [u32(0), Buffer.from(video ? 'vide' : 'soun', 'latin1'), zeros(12), Buffer.from(`${name}\0`, 'latin1')]);
  const mediaHeader = video ? fullBox('vmhd', 0, 1, [u16(0, 0, 0, 0)]) : fullBox('smhd', 0, 0, [u16(0, 0)]);
  const dinf = box('dinf', [fullBox('dref', 0, 0, [u32(1), fullBox('url ', 0, 1)])]);
  const stbl = box('stbl', [
    fullBox('stsd', 0, 0, [u32(1), video ? videoEntry(t) : audioEntry(t)]),
    fullBox('stts', 0, 0, [u32(0)]),
    fullBox('stsc', 0, 0, [u32(0)]),
    fullBox('stsz', 0, 0, [u32(0, 0)]),
    fullBox('stco', 0, 0, [u32(0)]),
  ]);
  return box('trak', [tkhd, box('mdia', [mdhd, hdlr, box('minf', [mediaHeader, dinf, stbl])])]);
}

function videoEntry(t: Mp4VideoTrack): Box {
  const h264 = t.codec === 'h264';
  return box(h264 ? 'avc1' : 'hvc1', [
    zeros(6),
    u16(1), // data_reference_index
    zeros(16), // pre_defined, reserved, pre_defined[3]
    u16(t.width, t.height),
    u32(0x00480000, 0x00480000, 0), // 72 dpi, reserved
    u16(1), // frame_count
    zeros(32), // compressorname
    u16(0x0018, 0xffff), // depth, pre_defined = -1
    box(h264 ? 'avcC' : 'hvcC', [t.config]),
  ]);
}

function audioEntry(t: Mp4AudioTrack): Box {
  const rate = Math.min(t.sampleRate, 0xffff) * 65536;
  const common = [zeros(6), u16(1), zeros(8), u16(t.channels, 16, 0, 0), u32(rate)];
  switch (t.codec) {
    case 'aac':
    case 'mp3':
      return box('mp4a', [...common, esds(t)]);
    case 'pcma':
    case 'pcmu':
      return box(t.codec === 'pcma' ? 'alaw' : 'ulaw', common);
    case 'opus':
      // dOps (Opus in ISOBMFF §4.3.2): version, channels, pre-skip, input rate, gain, mapping family 0.
      return box('Opus', [...common, box('dOps', [u8(0, t.channels), u16(312), u32(t.sampleRate), u16(0), u8(0)])]);
  }
}

/** An MPEG-4 descriptor: tag, then the length in the 7-bits-per-byte form. */
function descriptor(tag: number, body: Buffer): Buffer {
  const len: number[] = [];
  let n = body.length;
  do {
    len.unshift(n & 0x7f);
    n >>= 7;
  } while (n > 0);
  for (let i = 0; i < len.length - 1; i++) len[i]! |= 0x80;
  return Buffer.concat([u8(tag, ...len), body]);
}

/** esds (ISO/IEC 14496-14 §5.6): ES_Descriptor > DecoderConfigDescriptor (> DecoderSpecificInfo), SLConfig. */
function esds(t: Mp4AudioTrack): Box {
  const objectType = t.codec === 'aac' ? 0x40 : 0x6b;
  const specific = t.config !== undefined && t.codec === 'aac' ? descriptor(0x05, t.config) : Buffer.alloc(0);
  const decoderConfig = descriptor(0x04, Buffer.concat([u8(objectType, 0x15, 0, 0, 0), u32(0, 0), specific]));
  const es = descriptor(0x03, Buffer.concat([u16(t.id), u8(0), decoderConfig, descriptor(0x06, u8(0x02))]));
  return fullBox('esds', 0, 0, [es]);
}
