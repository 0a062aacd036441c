/**
 * MPEG audio (MP3/MP2) depacketizer, RFC 2250 §3.5: a 4-byte header (16 bits MBZ, 16-bit
 * Frag_offset) then one or more whole frames, or a fragment of one frame. Frames are split using
 * their own headers; each frame's time is the packet's plus the samples of the frames before it.
 */
import type { Frame } from '../../media/frame.ts';
import { isProtocolError } from '../../errors.ts';
import { parseMpegAudioFrameHeader } from '../../codecs/mpeg-audio/frame-header.ts';
import { NO_FRAMES, type DepacketizerOptions, type DepacketizerStats, type PayloadDepacketizer } from '../depacketizer.ts';
import type { RtpPacket } from '../packet.ts';
import { RtpReceiver } from '../receiver.ts';
import { ticksToMs } from '../rtp-clock.ts';

export const MPA_CLOCK_RATE = 90000;
export const MPA_HEADER_LENGTH = 4;

interface Fragment {
  timestamp: number;
  ticks: number;
  length: number;
  parts: Buffer[];
  received: number;
}

export class MpaDepacketizer extends RtpReceiver {
  constructor(options: DepacketizerOptions = {}) {
    super(MPA_CLOCK_RATE, options, (stats) => new MpaPayloadDepacketizer(stats));
  }
}

/** RFC 2250 payloads: whole frames split on their headers, or one frame's fragments. */
export class MpaPayloadDepacketizer implements PayloadDepacketizer {
  readonly #stats: DepacketizerStats;
  #fragment: Fragment | null = null;

  constructor(stats: DepacketizerStats) {
    this.#stats = stats;
  }

  push(packet: RtpPacket, ticks: number, afterLoss: boolean): readonly Frame[] {
    if (afterLoss) this.#dropFragment();
    const payload = packet.payload;
    if (payload.length <= MPA_HEADER_LENGTH) return this.#malformed();
    const fragOffset = payload.readUInt16BE(2);
    const data = payload.subarray(MPA_HEADER_LENGTH);
    if (fragOffset > 0) return this.#continueFragment(packet.timestamp, fragOffset, data);
    this.#dropFragment();
    return this.#splitFrames(packet.timestamp, ticks, data);
  }

  #splitFrames(timestamp: number, ticks: number, data: Buffer): readonly Frame[] {
    const frames: Frame[] = [];
    let off = 0;
    let frameTicks = ticks;
    while (off < data.length) {
      let length: number;
      let samples: number;
      let rate: number;
      try {
        const h = parseMpegAudioFrameHeader(data, off);
        if (h === null) break;
        length = h.frameLength;
        samples = h.samplesPerFrame;
        rate = h.sampleRate;
      } catch (err) {
        if (!isProtocolError(err)) throw err;
        this.#stats.packetsMalformed++;
        break;
      }
      if (off + length > data.length) {
        // Only the first frame of a packet may continue in the next packets (RFC 2250 §3.5).
        if (off === 0) this.#fragment = { timestamp, ticks, length, parts: [data], received: data.length };
        else this.#stats.packetsMalformed++;
        break;
      }
      frames.push(this.#frame(frameTicks, Buffer.from(data.subarray(off, off + length))));
      off += length;
      frameTicks += (samples * MPA_CLOCK_RATE) / rate;
    }
    this.#stats.framesOutput += frames.length;
    return frames.length === 0 ? NO_FRAMES : frames;
  }

  #continueFragment(timestamp: number, fragOffset: number, data: Buffer): readonly Frame[] {
    const f = this.#fragment;
    if (f === null) {
      this.#stats.midFragmentJoins++;
      return NO_FRAMES;
    }
    if (timestamp !== f.timestamp || fragOffset !== f.received || f.received + data.length > f.length) {
      this.#dropFragment();
      return this.#malformed();
    }
    f.parts.push(data);
    f.received += data.length;
    if (f.received < f.length) return NO_FRAMES;
    this.#fragment = null;
    this.#stats.framesOutput++;
    return [this.#frame(f.ticks, Buffer.concat(f.parts, f.length))];
  }

  #frame(ticks: number, payload: Buffer): Frame {
    const ms = ticksToMs(ticks, MPA_CLOCK_RATE);
    return { track: 'audio', dts: ms, pts: ms, keyframe: true, payload };
  }

  #malformed(): readonly Frame[] {
    this.#stats.packetsMalformed++;
    return NO_FRAMES;
  }

  #dropFragment(): void {
    if (this.#fragment !== null) {
      this.#stats.framesDropped++;
      this.#fragment = null;
    }
  }
}
