import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimestampUnwrapper, seqAdd, seqDiff, seqIsNewer, timestampAdd, timestampDiff } from '../../../../protocols/rtp/sequence.ts';
import { SequenceTracker } from '../../../../protocols/rtp/sequence-tracker.ts';
import { RtpClock, rtpTimestampFromMs } from '../../../../protocols/rtp/rtp-clock.ts';

test('sequence number arithmetic wraps at 2^16', () => {
  assert.equal(seqAdd(65535, 1), 0);
  assert.equal(seqAdd(65530, 10), 4);
  assert.equal(seqDiff(0, 65535), 1);
  assert.equal(seqDiff(65535, 0), -1);
  assert.equal(seqDiff(5, 5), 0);
  assert.equal(seqDiff(32767, 0), 32767);
  assert.equal(seqDiff(32768, 0), -32768);
  assert.equal(seqIsNewer(2, 65000), true);
  assert.equal(seqIsNewer(65000, 2), false);
});

test('timestamp arithmetic wraps at 2^32', () => {
  assert.equal(timestampAdd(0xffffffff, 1), 0);
  assert.equal(timestampDiff(10, 0xfffffff0), 26);
  assert.equal(timestampDiff(0xfffffff0, 10), -26);
});

test('TimestampUnwrapper extends across wraps in both directions', () => {
  const u = new TimestampUnwrapper();
  assert.equal(u.unwrap(0xfffffff0), 0xfffffff0);
  assert.equal(u.unwrap(0x10), 2 ** 32 + 0x10);
  assert.equal(u.unwrap(0xffffffff), 2 ** 32 - 1, 'a small step back across the wrap');
  assert.equal(u.unwrap(0x7ffffffe), 2 ** 32 + 0x7ffffffe, 'just under half the range forward');
  assert.equal(u.unwrap(0xfffffffd), 2 ** 32 + 0xfffffffd);
  assert.equal(u.unwrap(0x00000005), 2 ** 33 + 5, 'second wrap');
  const o = new TimestampUnwrapper(100);
  assert.equal(o.unwrap(50), 50);
});

test('RtpClock converts to ms from the first timestamp or a given origin', () => {
  const c = new RtpClock(90000);
  assert.equal(c.toMs(0xffffff00), 0);
  assert.equal(c.toMs(0xffffff00 + 90000 - 2 ** 32), 1000);
  const o = new RtpClock(8000, 8000);
  assert.equal(o.toMs(4000), -500);
  assert.equal(o.toMs(16000), 1000);
  assert.throws(() => new RtpClock(0), RangeError);
  assert.equal(rtpTimestampFromMs(1000 / 3, 90000, 2 ** 32 - 1), 29999);
  assert.equal(rtpTimestampFromMs(-1, 8000, 0), 2 ** 32 - 8);
});

test('SequenceTracker: next, gap (with wrap), old, SSRC change, resync after many old packets', () => {
  const t = new SequenceTracker();
  assert.deepEqual(t.check(65534, 1), { kind: 'next' });
  assert.deepEqual(t.check(65535, 1), { kind: 'next' });
  assert.deepEqual(t.check(2, 1), { kind: 'gap', lost: 2 });
  assert.deepEqual(t.check(2, 1), { kind: 'old' }, 'duplicate');
  assert.deepEqual(t.check(1, 1), { kind: 'old' }, 'late');
  assert.deepEqual(t.check(40000, 2), { kind: 'next' }, 'new SSRC');
  assert.deepEqual(t.check(40001, 2), { kind: 'next' });
  const r = new SequenceTracker();
  r.check(1000, 1);
  const verdicts = [];
  for (let i = 0; i < 32; i++) verdicts.push(r.check(500 + i, 1).kind);
  assert.equal(verdicts.slice(0, 31).every((v) => v === 'old'), true);
  assert.equal(verdicts[31], 'next', 'restarted source accepted after 32 old packets');
  assert.deepEqual(r.check(532, 1), { kind: 'next' });
  r.reset();
  assert.deepEqual(r.check(7, 9), { kind: 'next' });
});
