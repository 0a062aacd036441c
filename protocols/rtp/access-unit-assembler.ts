/**
 * Rebuilds video access units from NAL units and NAL fragments, shared by the H.264 and H.265
 * depacketizers (which only parse their payload structures). An AU ends at the marker bit, or when
 * a packet with another timestamp arrives (cameras that never set the marker). After loss or a
 * malformed packet the current AU is dropped and assembly resumes with the next one.
 */
import type { Frame, VideoCodec } from '../media/frame.ts';
import { h264NaluType, h265NaluType, isKeyframeNalu } from '../codecs/nalu.ts';
import type { DepacketizerStats } from './depacketizer.ts';

/** Largest access unit we buffer, in bytes (a 4K intra frame at high quality stays well below). */
export const MAX_ACCESS_UNIT_BYTES = 8 * 1024 * 1024;
/** Most NAL units in one access unit (slices, SEI, parameter sets...). */
export const MAX_NALUS_PER_ACCESS_UNIT = 1024;
const LENGTH_PREFIX_BYTES = 4;
/** H.264 VCL NAL unit types are 1..5 (Table 7-1); H.265 VCL types are 0..31. */
const H264_LAST_VCL_TYPE = 5;
const H265_LAST_VCL_TYPE = 31;

export class AccessUnitAssembler {
  readonly #codec: VideoCodec;
  readonly #stats: DepacketizerStats;
  /** Each NAL unit as the pieces it arrived in (one view, or header + fragment views). */
  #units: Buffer[][] = [];
  #unitLengths: number[] = [];
  #bytes = 0;
  #keyframe = false;
  /** The AU holds a coded slice (not only parameter sets, SEI, delimiters). */
  #hasVcl = false;
  #timestamp = 0;
  #ms = 0;
  #open = false;
  /** The current AU lost a piece: its remaining packets are consumed and it is not output. */
  #corrupt = false;
  #fragment: Buffer[] | null = null;
  #fragmentLength = 0;

  constructor(codec: VideoCodec, stats: DepacketizerStats) {
    this.#codec = codec;
    this.#stats = stats;
  }

  /**
   * Called before a packet's payload is parsed, with its RTP timestamp and that time in ms. A
   * different timestamp closes the open AU (returned when complete); `lost` marks the AU this
   * packet belongs to as corrupt.
   */
  begin(timestamp: number, ms: number, lost: boolean): Frame | null {
    let flushed: Frame | null = null;
    // Packets lost while an AU is open may have been its tail (no marker seen yet): drop it too.
    if (lost && this.#open) this.markCorrupt();
    if (this.#open && timestamp !== this.#timestamp) flushed = this.#finish();
    if (!this.#open) {
      this.#open = true;
      this.#timestamp = timestamp;
      this.#ms = ms;
    }
    if (lost) this.markCorrupt();
    return flushed;
  }

  /** A complete NAL unit (a view into the packet). */
  addNalu(nalu: Buffer): void {
    if (this.#fragment !== null) {
      // A fragmented NAL unit never ended: its end was lost.
      this.markCorrupt();
    }
    this.#addUnit([nalu], nalu.length);
  }

  /** First fragment: the rebuilt NAL header and the first piece of the body. */
  startFragment(header: Buffer, body: Buffer): void {
    if (this.#fragment !== null) this.markCorrupt();
    if (this.#corrupt) return;
    this.#fragment = [header, body];
    this.#fragmentLength = header.length + body.length;
    this.#checkLimits(this.#fragmentLength);
  }

  /** Middle or last fragment. Without a started fragment: a mid-fragment join, counted. */
  continueFragment(body: Buffer, end: boolean): void {
    if (this.#fragment === null) {
      if (!this.#corrupt) {
        this.#stats.midFragmentJoins++;
        this.markCorrupt();
      }
      return;
    }
    this.#fragment.push(body);
    this.#fragmentLength += body.length;
    if (!this.#checkLimits(this.#fragmentLength)) return;
    if (end) {
      const pieces = this.#fragment;
      const length = this.#fragmentLength;
      this.#fragment = null;
      this.#fragmentLength = 0;
      this.#addUnit(pieces, length);
    }
  }

  /** The packet could not be parsed: drop the AU it belongs to. */
  markCorrupt(): void {
    this.#corrupt = true;
    this.#units = [];
    this.#unitLengths = [];
    this.#bytes = 0;
    this.#fragment = null;
    this.#fragmentLength = 0;
  }

  /** Marker bit seen: output the AU. */
  end(): Frame | null {
    return this.#open ? this.#finish() : null;
  }

  reset(): void {
    this.markCorrupt();
    this.#corrupt = false;
    this.#open = false;
    this.#keyframe = false;
    this.#hasVcl = false;
  }

  #addUnit(pieces: Buffer[], length: number): void {
    if (this.#corrupt || length === 0) return;
    if (this.#units.length >= MAX_NALUS_PER_ACCESS_UNIT) {
      this.markCorrupt();
      return;
    }
    this.#bytes += LENGTH_PREFIX_BYTES + length;
    if (!this.#checkLimits(0)) return;
    this.#units.push(pieces);
    this.#unitLengths.push(length);
    // The NAL header is always in the first piece (the rebuilt header for a fragment).
    const header = pieces[0]!;
    if (!this.#keyframe && isKeyframeNalu(this.#codec, header)) this.#keyframe = true;
    if (!this.#hasVcl) {
      this.#hasVcl =
        this.#codec === 'h264'
          ? h264NaluType(header) >= 1 && h264NaluType(header) <= H264_LAST_VCL_TYPE
          : h265NaluType(header) >= 0 && h265NaluType(header) <= H265_LAST_VCL_TYPE;
    }
  }

  #checkLimits(pending: number): boolean {
    if (this.#bytes + pending > MAX_ACCESS_UNIT_BYTES) {
      this.markCorrupt();
      return false;
    }
    return true;
  }

  #finish(): Frame | null {
    const incomplete = this.#fragment !== null;
    const corrupt = this.#corrupt || incomplete;
    const units = this.#units;
    const lengths = this.#unitLengths;
    const bytes = this.#bytes;
    const keyframe = this.#keyframe;
    const hasVcl = this.#hasVcl;
    const ms = this.#ms;
    this.reset();
    if (corrupt) {
      this.#stats.framesDropped++;
      return null;
    }
    if (units.length === 0) return null;
    if (!hasVcl) {
      // Vendor quirk: cameras that send SPS/PPS (or SEI) as their own marked "access unit" ahead of
      // the IDR. Carried into the next AU instead of being output as a frame without a picture.
      this.#units = units;
      this.#unitLengths = lengths;
      this.#bytes = bytes;
      return null;
    }
    const payload = Buffer.allocUnsafe(bytes);
    let off = 0;
    for (let i = 0; i < units.length; i++) {
      off = payload.writeUInt32BE(lengths[i]!, off);
      for (const piece of units[i]!) off += piece.copy(payload, off);
    }
    this.#stats.framesOutput++;
    return { track: 'video', dts: ms, pts: ms, keyframe, payload };
  }
}
