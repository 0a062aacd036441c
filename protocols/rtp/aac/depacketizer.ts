/**
 * RFC 3640 mpeg4-generic depacketizer (AAC-hbr and other layouts without CTS/DTS/RAP fields):
 * several AUs per packet, and one AU fragmented over several packets. A fragmented AU is output
 * only when its bytes add up to its AU-size by the packet with the marker bit; a fragment that
 * started right after loss or at join time and ends short is a mid-fragment join, counted.
 */
import type { Frame } from '../../media/frame.ts';
import { NO_FRAMES, type DepacketizerOptions, type DepacketizerStats, type PayloadDepacketizer } from '../depacketizer.ts';
import type { RtpPacket } from '../packet.ts';
import { RtpReceiver } from '../receiver.ts';
import { ticksToMs } from '../rtp-clock.ts';
import { AAC_HBR, AU_HEADERS_LENGTH_BYTES, validateAuHeaderConfig, type AuHeaderConfig } from './au-header-config.ts';

export interface AacDepacketizerOptions extends DepacketizerOptions {
  /** RTP clock rate: the AAC sampling rate from the SDP rtpmap. */
  readonly clockRate: number;
  /** Samples per AU (AudioSpecificConfig frame length). Defaults to 1024. */
  readonly samplesPerFrame?: number;
  /** AU-header layout. Defaults to AAC-hbr (13/3/3). */
  readonly auHeader?: AuHeaderConfig;
}

interface AuHeader {
  size: number;
  /** AU-Index for the first header, AU-Index-delta for the others. */
  index: number;
}

interface Fragment {
  timestamp: number;
  ticks: number;
  size: number;
  parts: Buffer[];
  received: number;
  /** The packet before the first fragment was known to end an AU. */
  startedAtBoundary: boolean;
}

export class AacDepacketizer extends RtpReceiver {
  constructor(options: AacDepacketizerOptions) {
    const layout = options.auHeader ?? AAC_HBR;
    validateAuHeaderConfig(layout);
    const samplesPerFrame = options.samplesPerFrame ?? 1024;
    super(options.clockRate, options, (stats) => new AacPayloadDepacketizer(stats, options.clockRate, samplesPerFrame, layout));
  }
}

/** RFC 3640 payloads: AU headers, then whole AUs or one AU's fragment. */
export class AacPayloadDepacketizer implements PayloadDepacketizer {
  readonly #stats: DepacketizerStats;
  readonly #clockRate: number;
  readonly #samplesPerFrame: number;
  readonly #layout: AuHeaderConfig;
  #fragment: Fragment | null = null;
  /** Fragments with this timestamp are skipped (their AU is already counted as dropped). */
  #skipTimestamp: number | null = null;
  /** The previous packet ended an AU (false at start and after loss). */
  #atBoundary = false;

  constructor(stats: DepacketizerStats, clockRate: number, samplesPerFrame: number, layout: AuHeaderConfig) {
    this.#stats = stats;
    this.#clockRate = clockRate;
    this.#samplesPerFrame = samplesPerFrame;
    this.#layout = layout;
  }

  push(packet: RtpPacket, ticks: number, afterLoss: boolean): readonly Frame[] {
    if (afterLoss) {
      this.#dropFragment();
      this.#atBoundary = false;
    }
    const wasAtBoundary = this.#atBoundary;
    this.#atBoundary = packet.marker;
    const payload = packet.payload;
    const headers = this.#parseHeaders(payload);
    if (headers === null) {
      this.#stats.packetsMalformed++;
      this.#dropFragment();
      return NO_FRAMES;
    }
    const data = payload.subarray(AU_HEADERS_LENGTH_BYTES + Math.ceil(payload.readUInt16BE(0) / 8));
    const first = headers[0]!;
    const partial = headers.length === 1 && first.size > data.length;
    if (this.#fragment !== null && (!partial || this.#fragment.timestamp !== packet.timestamp)) this.#dropFragment();
    if (partial) return this.#pushFragment(packet, ticks, first.size, data, wasAtBoundary);
    this.#skipTimestamp = null;
    this.#atBoundary = true; // complete AUs end at the packet end whatever the marker says
    return this.#splitAccessUnits(headers, data, ticks);
  }

  #pushFragment(packet: RtpPacket, ticks: number, size: number, data: Buffer, atBoundary: boolean): readonly Frame[] {
    if (this.#skipTimestamp === packet.timestamp) return NO_FRAMES;
    this.#skipTimestamp = null;
    if (this.#fragment === null) {
      this.#fragment = { timestamp: packet.timestamp, ticks, size, parts: [], received: 0, startedAtBoundary: atBoundary };
    } else if (size !== this.#fragment.size) {
      this.#stats.packetsMalformed++;
      this.#dropFragment();
      return NO_FRAMES;
    }
    const f = this.#fragment;
    if (f.received + data.length > f.size) {
      this.#stats.packetsMalformed++;
      this.#dropFragment();
      return NO_FRAMES;
    }
    f.parts.push(data);
    f.received += data.length;
    if (f.received < f.size) {
      if (packet.marker) {
        // Ended short: we joined mid-AU (or after loss), or the sender is broken.
        if (f.startedAtBoundary) this.#stats.packetsMalformed++;
        else this.#stats.midFragmentJoins++;
        this.#dropFragment();
      }
      return NO_FRAMES;
    }
    this.#fragment = null;
    this.#stats.framesOutput++;
    const ms = ticksToMs(f.ticks, this.#clockRate);
    return [{ track: 'audio', dts: ms, pts: ms, keyframe: true, payload: Buffer.concat(f.parts, f.size) }];
  }

  #splitAccessUnits(headers: AuHeader[], data: Buffer, ticks: number): readonly Frame[] {
    const frames: Frame[] = [];
    let off = 0;
    let index = 0;
    for (let i = 0; i < headers.length; i++) {
      const h = headers[i]!;
      if (off + h.size > data.length) {
        this.#stats.packetsMalformed++;
        this.#stats.framesDropped += headers.length - i;
        break;
      }
      // AU-Index-delta: the AU index is the previous one + 1 + delta (RFC 3640 §3.2.1.1).
      if (i > 0) index += 1 + h.index;
      if (h.size === 0) continue;
      const pts = ticksToMs(ticks + index * this.#samplesPerFrame, this.#clockRate);
      // Copied: a small view held in a GOP cache would pin the whole received chunk.
      frames.push({ track: 'audio', dts: pts, pts, keyframe: true, payload: Buffer.from(data.subarray(off, off + h.size)) });
      off += h.size;
    }
    this.#stats.framesOutput += frames.length;
    return frames.length === 0 ? NO_FRAMES : frames;
  }

  /** AU-headers-length then the AU-headers (RFC 3640 §3.2.1); null when inconsistent. */
  #parseHeaders(payload: Buffer): AuHeader[] | null {
    if (payload.length < AU_HEADERS_LENGTH_BYTES) return null;
    const bits = payload.readUInt16BE(0);
    const headerBytes = Math.ceil(bits / 8);
    if (bits === 0 || AU_HEADERS_LENGTH_BYTES + headerBytes > payload.length) return null;
    const { sizeLength, indexLength, indexDeltaLength } = this.#layout;
    const headers: AuHeader[] = [];
    let pos = AU_HEADERS_LENGTH_BYTES * 8;
    const end = pos + bits;
    while (pos < end) {
      const indexBits = headers.length === 0 ? indexLength : indexDeltaLength;
      if (pos + sizeLength + indexBits > end) return null;
      headers.push({ size: readBits(payload, pos, sizeLength), index: readBits(payload, pos + sizeLength, indexBits) });
      pos += sizeLength + indexBits;
    }
    return headers;
  }

  #dropFragment(): void {
    if (this.#fragment !== null) {
      this.#stats.framesDropped++;
      this.#skipTimestamp = this.#fragment.timestamp;
      this.#fragment = null;
    }
  }
}

/** n ≤ 16 bits at a bit offset, MSB first. The caller has checked the bounds. */
function readBits(buf: Buffer, bitOffset: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const p = bitOffset + i;
    v = (v << 1) | ((buf[p >> 3]! >> (7 - (p & 7))) & 1);
  }
  return v;
}
