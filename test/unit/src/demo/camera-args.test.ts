import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO_LOOK_COUNT,
  cameraRestartDelayMs,
  demoAudioSource,
  demoCameraArgs,
  demoVideoSource,
} from '../../../../src/demo/camera-args.ts';

describe('demo camera ffmpeg arguments', () => {
  it('gives each of the first 50 cameras its own picture and no drawtext (fonts may be missing)', () => {
    const sources = Array.from({ length: 50 }, (_, i) => demoVideoSource(i, 640, 360, 15));
    assert.equal(new Set(sources).size, 50);
    for (const s of sources) {
      assert.doesNotMatch(s, /drawtext/);
      assert.match(s, /size=640x360:rate=15/);
    }
  });

  it('repeats the five looks with a hue turn from the second round on', () => {
    assert.equal(DEMO_LOOK_COUNT, 5);
    assert.equal(demoVideoSource(0, 320, 240, 10), 'testsrc2=size=320x240:rate=10');
    assert.equal(demoVideoSource(5, 320, 240, 10), 'testsrc2=size=320x240:rate=10,hue=h=67');
    assert.equal(demoVideoSource(10, 320, 240, 10), 'testsrc2=size=320x240:rate=10,hue=h=134');
  });

  it('gives neighbouring cameras different tones within 220-880 Hz', () => {
    const tones = Array.from({ length: 6 }, (_, i) => Number(/frequency=(\d+)/.exec(demoAudioSource(i))![1]));
    assert.deepEqual(tones, [220, 330, 440, 550, 660, 770]);
    for (let i = 0; i < 100; i++) {
      const f = Number(/frequency=(\d+)/.exec(demoAudioSource(i))![1]);
      assert.ok(f >= 220 && f <= 880, `camera ${i}: ${f} Hz`);
    }
  });

  it('publishes H.264 + AAC in FLV to the given URL in real time with a fixed GOP', () => {
    const args = demoCameraArgs('rtmp://127.0.0.1:1935/site1/cam2', 1, { fps: 10, gopSeconds: 3, videoKbps: 500 });
    assert.equal(args.at(-1), 'rtmp://127.0.0.1:1935/site1/cam2');
    assert.equal(args[args.indexOf('-f', args.indexOf('-c:a')) + 1], 'flv');
    assert.equal(args[args.indexOf('-c:v') + 1], 'libx264');
    assert.equal(args[args.indexOf('-c:a') + 1], 'aac');
    assert.equal(args[args.indexOf('-g') + 1], '30');
    assert.equal(args[args.indexOf('-keyint_min') + 1], '30');
    assert.equal(args[args.indexOf('-b:v') + 1], '500k');
    assert.equal(args.filter((a) => a === '-re').length, 2, 'both lavfi inputs paced in real time');
    assert.equal(args[args.indexOf('-i') + 1], demoVideoSource(1, 640, 360, 10));
  });

  it('backs off restarts from 1 s doubling to 10 s', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 50].map(cameraRestartDelayMs), [1000, 2000, 4000, 8000, 10000, 10000, 10000]);
  });
});
