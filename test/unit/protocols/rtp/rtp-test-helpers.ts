/** Helpers shared by the RTP unit and fuzz tests. */
import assert from 'node:assert/strict';
import { joinLengthPrefixed, type Frame } from '../../../../protocols/media/frame.ts';
import { RtpPacket } from '../../../../protocols/rtp/packet.ts';
import type { RtpDepacketizer } from '../../../../protocols/rtp/depacketizer.ts';

/** Deterministic bytes: an H.264 NAL unit of `size` bytes with header byte `header`. */
export function h264Nalu(header: number, size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  out[0] = header;
  for (let i = 1; i < size; i++) out[i] = (i * 31 + seed * 17) & 0xff;
  return out;
}

/** An H.265 NAL unit of `size` bytes (type, LayerId 0, TID 1). */
export function h265Nalu(type: number, size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  out[0] = type << 1;
  out[1] = 0x01;
  for (let i = 2; i < size; i++) out[i] = (i * 29 + seed * 13) & 0xff;
  return out;
}

export function videoFrame(nalus: readonly Buffer[], ptsMs: number, keyframe: boolean): Frame {
  return { track: 'video', dts: ptsMs, pts: ptsMs, keyframe, payload: joinLengthPrefixed(nalus) };
}

export function audioFrame(payload: Buffer, ptsMs: number): Frame {
  return { track: 'audio', dts: ptsMs, pts: ptsMs, keyframe: true, payload };
}

/** Decodes and pushes every packet, checking the packet buffers are left untouched. */
export function pushAll(depacketizer: RtpDepacketizer, packets: readonly Buffer[]): Frame[] {
  const copies = packets.map((p) => Buffer.from(p));
  const frames: Frame[] = [];
  for (const p of packets) frames.push(...depacketizer.push(RtpPacket.decode(p)));
  packets.forEach((p, i) => assert.deepEqual(p, copies[i], `packet ${i} modified`));
  return frames;
}

/** Builds an RTP packet around a payload (for decode-only cases written by hand). */
export function rtp(
  payload: Buffer | string,
  sequenceNumber: number,
  timestamp: number,
  marker: boolean,
  payloadType = 96,
): Buffer {
  return new RtpPacket({
    payloadType,
    sequenceNumber: sequenceNumber & 0xffff,
    timestamp: timestamp >>> 0,
    ssrc: 0x11223344,
    marker,
    payload: typeof payload === 'string' ? Buffer.from(payload.replace(/\s+/g, ''), 'hex') : payload,
  }).encode();
}

/** Frames compared on what matters (payload bytes, times, keyframe flag). */
export function frameSummary(f: Frame): { track: string; pts: number; dts: number; keyframe: boolean; payload: string } {
  return { track: f.track, pts: f.pts, dts: f.dts, keyframe: f.keyframe, payload: f.payload.toString('hex') };
}
