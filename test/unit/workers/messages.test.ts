import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertNever, descriptionFromMessage, type WorkerToMainMessage } from '../../../workers/messages.ts';
import type { StreamDescription } from '../../../protocols/media/frame.ts';

const SPS = Buffer.from('6742c01e95a0a0fd01', 'hex');
const PPS = Buffer.from('68ce3c80', 'hex');
const ASC = Buffer.from('1408', 'hex');

describe('worker messages', () => {
  it('a description survives structured clone: parameter sets come back as Buffers, views without a copy', () => {
    const desc: StreamDescription = {
      video: { codec: 'h264', sps: SPS, pps: PPS, width: 160, height: 120 },
      audio: { codec: 'aac', sampleRate: 16000, channels: 1, config: ASC },
    };
    const cloned = structuredClone({ type: 'description', desc } satisfies WorkerToMainMessage);
    assert.equal(Buffer.isBuffer(cloned.desc.video!.sps), false, 'structured clone gives Uint8Arrays');
    const back = descriptionFromMessage(cloned.desc);
    assert.ok(Buffer.isBuffer(back.video!.sps) && Buffer.isBuffer(back.video!.pps) && Buffer.isBuffer(back.audio!.config));
    assert.equal(back.video!.sps!.buffer, cloned.desc.video!.sps!.buffer, 'a view on the cloned bytes');
    assert.deepEqual([back.video!.sps, back.video!.pps, back.audio!.config], [SPS, PPS, ASC]);
    assert.deepEqual([back.video!.width, back.audio!.sampleRate], [160, 16000]);
  });

  it('a frame payload ArrayBuffer is transferred, not copied', () => {
    const payload = new ArrayBuffer(16);
    const message = { type: 'frame', track: 'video', dts: 0, pts: 0, keyframe: true, payload } satisfies WorkerToMainMessage;
    const got = structuredClone(message, { transfer: [payload] });
    assert.equal(payload.byteLength, 0, 'detached on the sending side');
    assert.equal(got.payload.byteLength, 16);
  });

  it('an unknown message type is an error, not ignored', () => {
    assert.throws(() => assertNever({ type: 'bogus' } as never), /unexpected message/);
  });
});
