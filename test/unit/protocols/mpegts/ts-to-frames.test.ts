import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { StreamType, TsDemuxer } from '../../../../protocols/mpegts/ts-demuxer.ts';
import { TsToFrames, TimestampUnwrapper } from '../../../../protocols/mpegts/ts-to-frames.ts';
import { splitLengthPrefixed, type Frame, type StreamDescription } from '../../../../protocols/media/frame.ts';
import { h265NaluType } from '../../../../protocols/codecs/nalu.ts';

const hevcAac = readFileSync(new URL('./fixtures/hevc-aac.m2t', import.meta.url));

/** Runs the fixture through demuxer + TsToFrames; `withoutAudioPes` drops the audio PES (listed in the PMT, never sent). */
function run(o: { withoutAudioPes?: boolean; holdMaxMs?: number } = {}): { descs: StreamDescription[]; frames: Frame[]; order: string[] } {
  const descs: StreamDescription[] = [];
  const frames: Frame[] = [];
  const order: string[] = [];
  const toFrames = new TsToFrames(
    {
      onDescription: (d) => {
        descs.push(d);
        order.push('desc');
      },
      onFrame: (f) => {
        frames.push(f);
        order.push(f.track);
      },
    },
    o.holdMaxMs !== undefined ? { holdMaxMs: o.holdMaxMs } : {},
  );
  const d = new TsDemuxer(
    (p) => {
      if (!(o.withoutAudioPes === true && p.streamType === StreamType.AacAdts)) toFrames.pushPes(p);
    },
    (types) => toFrames.pushProgram(types),
  );
  d.push(hevcAac);
  d.flush();
  return { descs, frames, order };
}

describe('TsToFrames', () => {
  const { descs, frames, order } = run();
  const video = frames.filter((f) => f.track === 'video');
  const audio = frames.filter((f) => f.track === 'audio');

  it('describes HEVC 160x120 with VPS/SPS/PPS and AAC 16 kHz mono before the first frame', () => {
    assert.equal(order[0], 'desc');
    const d = descs.at(-1)!;
    assert.equal(d.video?.codec, 'h265');
    assert.equal(d.video?.width, 160);
    assert.equal(d.video?.height, 120);
    assert.ok(d.video?.vps && d.video.sps && d.video.pps);
    assert.equal(d.audio?.codec, 'aac');
    assert.equal(d.audio?.sampleRate, 16000);
    assert.equal(d.audio?.channels, 1);
    assert.ok(d.audio?.config);
  });

  it('one description, with the audio the PMT announced: the first video frame is held until the AAC config arrives', () => {
    // Announced at the first video frame, the stream went live without audio and was re-described
    // just after: an RTSP DESCRIBE in between got no audio track.
    assert.equal(descs.length, 1, `got ${descs.length} descriptions`);
    assert.equal(descs[0]!.audio?.codec, 'aac');
    assert.deepEqual(order.slice(0, 2), ['desc', 'video']);
  });

  it('a listed audio stream that never comes: described without it after holdMaxMs, no frame lost or reordered', () => {
    const r = run({ withoutAudioPes: true, holdMaxMs: 300 });
    assert.equal(r.descs.length, 1);
    assert.equal(r.descs[0]!.audio, undefined);
    assert.equal(r.order[0], 'desc');
    const v = r.frames.filter((f) => f.track === 'video');
    assert.equal(v.length, 11);
    assert.deepEqual(v.map((f) => f.dts), video.map((f) => f.dts));
  });

  it('a program without audio: described at the first video frame', () => {
    const descs2: StreamDescription[] = [];
    const order2: string[] = [];
    const toFrames = new TsToFrames({ onDescription: (x) => (descs2.push(x), order2.push('desc')), onFrame: (f) => order2.push(f.track) });
    toFrames.pushProgram([StreamType.H265]);
    const d = new TsDemuxer((p) => p.streamType !== StreamType.AacAdts && toFrames.pushPes(p));
    d.push(hevcAac);
    d.flush();
    assert.deepEqual(order2.slice(0, 2), ['desc', 'video']);
    assert.equal(order2.filter((x) => x === 'video').length, 11);
  });

  it('video: every frame, keyframes every 5, length-prefixed without AUD, ms timestamps', () => {
    assert.equal(video.length, 11);
    assert.deepEqual(video.map((f) => f.keyframe), video.map((_, i) => i % 5 === 0));
    for (const f of video) {
      const types = splitLengthPrefixed(f.payload).map(h265NaluType);
      assert.ok(types.length > 0 && !types.includes(35), 'no access unit delimiter');
    }
    assert.ok(Math.abs(video[1]!.dts - video[0]!.dts - 100) < 1e-9);
  });

  it('audio: raw AUs without ADTS, 64 ms apart at 16 kHz', () => {
    // The first audio frames may come before the video description and are dropped.
    assert.ok(audio.length >= 15 && audio.length <= 18, `got ${audio.length}`);
    assert.notEqual(audio[0]!.payload[0], 0xff);
    assert.ok(Math.abs(audio[1]!.dts - audio[0]!.dts - 64) < 1e-9);
  });
});

describe('TimestampUnwrapper', () => {
  it('continues across the 33-bit wrap', () => {
    const u = new TimestampUnwrapper();
    const wrap = 2 ** 33;
    assert.equal(u.toMs(wrap - 9000), (wrap - 9000) / 90);
    assert.equal(u.toMs(0), wrap / 90);
    assert.equal(u.toMs(9000), (wrap + 9000) / 90);
  });
  it('tolerates a small step back (B-frame pts order)', () => {
    const u = new TimestampUnwrapper();
    u.toMs(90_000);
    assert.equal(u.toMs(81_000), 900);
  });
});
