/**
 * TrackAligner on its own: the offsets it gives each track of a RECORD session from the
 * publisher's sender reports (RFC 3550 §6.4.1), including RTP timestamps that wrap at 2^32.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrackAligner } from '../../../../protocols/rtp/track-aligner.ts';

describe('TrackAligner', () => {
  it('without sender reports every track keeps offset 0', () => {
    const a = new TrackAligner();
    assert.equal(a.offsetMs(0, 123456, 90000), 0);
    assert.equal(a.offsetMs(1, 999, 48000), 0);
  });

  it('the first track with an SR is the base; a later track is offset by its wall-clock distance', () => {
    const a = new TrackAligner();
    a.onSenderReport(0, 1_000_000, 90_000); // video: RTP 90000 is wall 1 000 000 ms
    a.onSenderReport(1, 1_000_000, 480_000); // audio: RTP 480000 is wall 1 000 000 ms
    // Video's first packet is at RTP 90000 + 9000 ticks = wall + 100 ms: the base.
    assert.equal(a.offsetMs(0, 99_000, 90000), 0);
    // Audio's first packet is 300 ms after its SR (14400 ticks at 48 kHz): 200 ms after video's first.
    assert.equal(a.offsetMs(1, 480_000 + 14_400, 48000), 200);
  });

  it('an offset is fixed at the track first packet: later SRs and timestamps do not move it', () => {
    const a = new TrackAligner();
    a.onSenderReport(0, 5000, 0);
    a.onSenderReport(1, 5000, 0);
    assert.equal(a.offsetMs(0, 0, 90000), 0);
    assert.equal(a.offsetMs(1, 4500, 90000), 50);
    a.onSenderReport(1, 9000, 0);
    assert.equal(a.offsetMs(1, 90000, 90000), 50);
  });

  it('a track that started before the base track gets a negative offset', () => {
    const a = new TrackAligner();
    a.onSenderReport(0, 10_000, 0);
    a.onSenderReport(1, 10_000, 0);
    assert.equal(a.offsetMs(0, 9000, 90000), 0); // base: wall 10 100
    assert.equal(a.offsetMs(1, 0, 8000), -100); // wall 10 000
  });

  it('RTP timestamps across the 2^32 wrap are read as signed distances from the SR', () => {
    const a = new TrackAligner();
    a.onSenderReport(0, 2000, 0xffff_ff00);
    a.onSenderReport(1, 2000, 100);
    assert.equal(a.offsetMs(0, 0x0000_0100, 1000), 0); // wrapped: 512 ticks after the SR: wall 2512
    assert.equal(a.offsetMs(1, 100 - 488, 1000), -1000); // 488 ticks before its SR, wrapped below 0: wall 1512
  });

  it('a track without an SR beside tracks with one keeps offset 0 and does not become the base', () => {
    const a = new TrackAligner();
    a.onSenderReport(1, 7000, 0);
    a.onSenderReport(2, 7000, 0);
    assert.equal(a.offsetMs(0, 42, 90000), 0);
    assert.equal(a.offsetMs(1, 900, 90000), 0);
    assert.equal(a.offsetMs(2, 1800, 90000), 10);
  });

  it('tracks beyond the bound (32) are not remembered: their SR is ignored and their offset not kept', () => {
    const a = new TrackAligner();
    for (let i = 0; i < 32; i++) a.onSenderReport(i, 1000, 0);
    a.onSenderReport(40, 1000, 0); // ignored: 32 clocks held
    assert.equal(a.offsetMs(0, 0, 1000), 0);
    assert.equal(a.offsetMs(40, 500, 1000), 0, 'no clock for track 40');
    a.onSenderReport(3, 4000, 0); // a known track may still update its clock
    assert.equal(a.offsetMs(3, 0, 1000), 3000);
  });
});
