/**
 * Issue 16.11: the bitrate the API shows is an average over a stated window, not a 2-s reading that
 * swings with every keyframe.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RateMeter } from '../../../../src/streams/rate-meter.ts';
import { BITRATE_WINDOW_SECONDS, Stream } from '../../../../src/streams/stream.ts';
import { streamInfoOf } from '../../../../src/core/streams-view.ts';

/** A camera at 25 fps with a keyframe every 3 s: 120 kB keyframes, 2 kB other frames (~715 kbit/s). */
function gopStream(feed: (bytes: number, atMs: number) => void, seconds: number): number {
  let total = 0;
  for (let i = 0; i < seconds * 25; i++) {
    const bytes = i % 75 === 0 ? 120_000 : 2_000;
    feed(bytes, 1_000_000 + i * 40);
    total += bytes;
  }
  return (total * 8) / seconds;
}

describe('bitrate window', () => {
  it('stays within 15 % of the true average of a GOP-structured stream at any second', () => {
    const meter = new RateMeter(BITRATE_WINDOW_SECONDS + 1);
    const samples: number[] = [];
    let next = 1_000_000 + 12_000;
    const trueBps = gopStream((b, at) => {
      while (at >= next) {
        samples.push(meter.perSecond(next) * 8);
        next += 1000;
      }
      meter.add(b, at);
    }, 40);
    assert.ok(samples.length > 20);
    for (const s of samples) assert.ok(Math.abs(s - trueBps) / trueBps < 0.15, `${Math.round(s)} bit/s vs ${Math.round(trueBps)}`);
    // The old 2-s window swings far more on the same stream.
    const short = new RateMeter(3);
    const shortSamples: number[] = [];
    next = 1_000_000 + 12_000;
    gopStream((b, at) => {
      while (at >= next) {
        shortSamples.push(short.perSecond(next) * 8);
        next += 1000;
      }
      short.add(b, at);
    }, 40);
    assert.ok(shortSamples.some((s) => Math.abs(s - trueBps) / trueBps > 0.4), 'a 2-s window is off by more than 40 % at times');
  });

  it('averages over the seconds it has seen while the window is not full yet', () => {
    const meter = new RateMeter(11);
    for (let t = 0; t < 3000; t += 100) meter.add(100, 5000 + t);
    assert.equal(meter.perSecond(8000), 1000);
    assert.equal(meter.windowSeconds, 10);
  });

  it('the API states the window', () => {
    const now = 1_000_000;
    const s = new Stream('site1/cam1', 'raw', () => now);
    assert.equal(streamInfoOf(s, now).bitrateWindowSeconds, BITRATE_WINDOW_SECONDS);
    assert.ok(BITRATE_WINDOW_SECONDS >= 10, 'several GOPs long');
  });
});
