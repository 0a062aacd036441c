import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { TsDemuxer, TS_PACKET_SIZE, StreamType, type PesPacket } from '../../../../protocols/mpegts/ts-demuxer.ts';
import { ProtocolError } from '../../../../protocols/errors.ts';
import { byteAtATime } from '../../../helpers/feed.ts';

const hevcAac = readFileSync(new URL('./fixtures/hevc-aac.m2t', import.meta.url));
const largePes = readFileSync(new URL('./fixtures/h264-large-pes.m2t', import.meta.url));

function demux(pieces: readonly Buffer[], flush = true): PesPacket[] {
  const out: PesPacket[] = [];
  const d = new TsDemuxer((p) => out.push(p));
  for (const p of pieces) d.push(p);
  if (flush) d.flush();
  return out;
}

/** A comparable summary: per PES its pid, type, timestamps, size and a checksum of the bytes. */
function summary(pes: readonly PesPacket[]): string[] {
  return pes.map((p) => `${p.pid}/${p.streamType} ${p.pts}/${p.dts} ${p.data.length} ${createHash('sha1').update(p.data).digest('hex')}`);
}

describe('TsDemuxer', () => {
  const whole = demux([hevcAac]);

  it('finds the HEVC and AAC streams with every PES of the file', () => {
    const video = whole.filter((p) => p.streamType === StreamType.H265);
    const audio = whole.filter((p) => p.streamType === StreamType.AacAdts);
    assert.equal(video.length, 11);
    assert.equal(audio.length, 18);
    assert.ok(video.every((p) => p.pts !== undefined));
    assert.equal(video[1]!.pts! - video[0]!.pts!, 9000, '10 fps = 9000 ticks');
    assert.deepEqual([...video[0]!.data.subarray(0, 4)], [0, 0, 0, 1], 'Annex B');
    assert.equal(audio[0]!.data[0], 0xff, 'ADTS syncword');
  });

  it('emits a PES with a declared length without waiting for the next one', () => {
    // No flush: every PES of this file has a length field (or ends with stuffing), so all arrive.
    assert.deepEqual(summary(demux([hevcAac], false)), summary(whole));
  });

  it('split at every offset of the first packets and at many later offsets', () => {
    const want = summary(whole);
    // Every offset of the first 3 packets (PAT, PMT, first PES), then a prime stride through the rest.
    for (let i = 1; i < hevcAac.length; i += i < 3 * TS_PACKET_SIZE ? 1 : 397) {
      assert.deepEqual(summary(demux([hevcAac.subarray(0, i), hevcAac.subarray(i)])), want, `split at ${i}`);
    }
  });

  it('one byte at a time', () => {
    const pieces = byteAtATime(hevcAac);
    assert.deepEqual(summary(demux(pieces)), summary(whole));
  });

  it('one byte at a time through a PES longer than 64 KiB', () => {
    const pieces = byteAtATime(largePes);
    assert.deepEqual(summary(demux(pieces, false)), summary(demux([largePes], false)));
  });

  it('does not modify its input', () => {
    const copy = Buffer.from(hevcAac);
    demux([hevcAac]);
    assert.deepEqual(hevcAac, copy);
  });

  it('PES without a length (video > 64 KiB) ends at the stuffed last packet', () => {
    const noFlush = demux([largePes], false);
    assert.equal(noFlush.length, 3);
    assert.ok(noFlush.every((p) => p.data.length > 65_535 && p.streamType === StreamType.H264));
  });

  it('throws a ProtocolError MPEGTS_SYNC_LOST when sync is lost', () => {
    const bad = Buffer.from(hevcAac.subarray(0, 2 * TS_PACKET_SIZE));
    bad[TS_PACKET_SIZE] = 0x00;
    assert.throws(() => demux([bad]), (e: unknown) => e instanceof ProtocolError && e.code === 'MPEGTS_SYNC_LOST');
  });

  it('ignores packets before the PAT/PMT and null packets', () => {
    const nullPacket = Buffer.alloc(TS_PACKET_SIZE, 0xff);
    nullPacket.set([0x47, 0x1f, 0xff, 0x10]);
    assert.deepEqual(summary(demux([nullPacket, hevcAac])), summary(whole));
  });
});
