/** A synthetic H.264 GOP shaped like a 720p25 camera at ~4 Mbit/s, shared by the RTP benchmarks. */
import { joinLengthPrefixed, type Frame } from '../../protocols/media/frame.ts';

/** 25 frames: SPS + PPS + one 100 KB IDR, then 24 P frames of 2 slices × 9 KB (≈ 4.1 Mbit/s). */
export function syntheticGop(): Frame[] {
  const nalu = (header: number, size: number): Buffer => {
    const b = Buffer.alloc(size);
    for (let i = 0; i < size; i++) b[i] = (i * 131 + size) & 0xff;
    b[0] = header;
    return b;
  };
  const frames: Frame[] = [];
  const idr = joinLengthPrefixed([nalu(0x67, 20), nalu(0x68, 5), nalu(0x06, 30), nalu(0x65, 100_000)]);
  frames.push({ track: 'video', dts: 0, pts: 0, keyframe: true, payload: idr });
  for (let i = 1; i < 25; i++) {
    const p = joinLengthPrefixed([nalu(0x41, 9_000), nalu(0x41, 9_000)]);
    frames.push({ track: 'video', dts: i * 40, pts: i * 40, keyframe: false, payload: p });
  }
  return frames;
}

export function argSeconds(fallback: number): number {
  const i = process.argv.indexOf('--seconds');
  const v = i === -1 ? Number.NaN : Number(process.argv[i + 1]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/** Runs `step` until `seconds` elapse (after a short warm-up); returns iterations and elapsed seconds. */
export function timeLoop(seconds: number, step: () => void): { iterations: number; elapsed: number } {
  const warmUntil = performance.now() + 200;
  while (performance.now() < warmUntil) step();
  const start = performance.now();
  const end = start + seconds * 1000;
  let iterations = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 16; i++) step();
    iterations += 16;
  }
  return { iterations, elapsed: (performance.now() - start) / 1000 };
}
