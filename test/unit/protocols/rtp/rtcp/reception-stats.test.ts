import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RtpReceptionStats } from '../../../../../protocols/rtp/rtcp/reception-stats.ts';

test('reception stats: no packet -> no report', () => {
  assert.equal(new RtpReceptionStats(90000).report(0), null);
});

test('reception stats: sequence wrap, losses, fraction lost per interval', () => {
  const s = new RtpReceptionStats(8000);
  // 65530..65535, 0..9 with 3 and 4 missing: expected 16, received 14
  const seqs = [65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 5, 6, 7, 8, 9];
  seqs.forEach((seq, i) => s.onPacket(42, seq, i * 160, i * 20));
  const r = s.report(1000)!;
  assert.equal(r.ssrc, 42);
  assert.equal(r.extendedHighestSequence, 0x10000 + 9);
  assert.equal(r.cumulativeLost, 2);
  assert.equal(r.fractionLost, Math.floor((2 * 256) / 16));
  assert.equal(r.lastSenderReport, 0);
  assert.equal(r.delaySinceLastSenderReport, 0);
  s.onPacket(42, 10, 14 * 160, 14 * 20);
  const r2 = s.report(2000)!;
  assert.equal(r2.fractionLost, 0, 'no loss in the second interval');
  assert.equal(r2.cumulativeLost, 2);
});

test('reception stats: jitter is 0 for perfectly paced packets and grows with arrival variation', () => {
  const steady = new RtpReceptionStats(90000);
  for (let i = 0; i < 50; i++) steady.onPacket(1, i, 0xfffff000 + i * 3600, 1000 + i * 40); // crosses the 2^32 wrap
  assert.equal(steady.report(0)!.jitter, 0);
  const jittery = new RtpReceptionStats(90000);
  for (let i = 0; i < 50; i++) jittery.onPacket(1, i, i * 3600, 1000 + i * 40 + (i % 2) * 10);
  const j = jittery.report(0)!.jitter;
  assert.ok(j > 500 && j <= 900, `jitter ${j} ~ 900 ticks (10 ms at 90 kHz)`);
});

test('reception stats: LSR and DLSR from the last sender report', () => {
  const s = new RtpReceptionStats(90000);
  s.onPacket(1, 0, 0, 0);
  s.onSenderReport({ seconds: 0x0001abcd, fraction: 0x80000000 }, 1000);
  const r = s.report(1500)!;
  assert.equal(r.lastSenderReport, 0xabcd8000);
  assert.equal(r.delaySinceLastSenderReport, 32768);
});

test('reception stats: a new SSRC restarts the counters', () => {
  const s = new RtpReceptionStats(8000);
  s.onPacket(1, 100, 0, 0);
  s.onPacket(1, 110, 0, 0);
  s.onPacket(2, 7, 0, 0);
  const r = s.report(0)!;
  assert.equal(r.ssrc, 2);
  assert.equal(r.cumulativeLost, 0);
  assert.equal(r.extendedHighestSequence, 7);
});
