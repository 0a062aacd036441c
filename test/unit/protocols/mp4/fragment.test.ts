import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFragment, NON_SYNC_SAMPLE_FLAGS, SYNC_SAMPLE_FLAGS, type Mp4TrackRun } from '../../../../protocols/mp4/fragment.ts';
import { find, findAll, parseBoxes } from './box-reader.ts';

const data = (n: number, fill: number) => Buffer.alloc(n, fill);

const cases: { name: string; runs: Mp4TrackRun[] }[] = [
  { name: 'one video sample', runs: [{ trackId: 1, baseDecodeTime: 0, samples: [{ duration: 3600, compositionOffset: 0, sync: true, data: data(10, 1) }] }] },
  {
    name: 'video with B-frame offsets, then audio',
    runs: [
      { trackId: 1, baseDecodeTime: 90_000 * 5000, samples: [{ duration: 3600, compositionOffset: 7200, sync: true, data: data(7, 1) }, { duration: 3600, compositionOffset: -3600, sync: false, data: data(3, 2) }] },
      { trackId: 2, baseDecodeTime: 44100, samples: [{ duration: 1024, compositionOffset: 0, sync: true, data: data(5, 3) }, { duration: 1024, compositionOffset: 0, sync: true, data: data(6, 4) }] },
    ],
  },
  { name: 'audio only, many samples', runs: [{ trackId: 1, baseDecodeTime: 1, samples: Array.from({ length: 50 }, (_, i) => ({ duration: 160, compositionOffset: 0, sync: true, data: data(160, i) })) }] },
];

for (const c of cases) {
  test(`fragment: ${c.name}`, () => {
    const buf = buildFragment(7, c.runs);
    const boxes = parseBoxes(buf);
    assert.deepEqual(boxes.map((b) => b.type), ['moof', 'mdat']);
    const moof = boxes[0]!;
    assert.equal(find(moof.children, 'mfhd')!.body.readUInt32BE(4), 7, 'sequence_number');
    const trafs = findAll(moof.children, 'traf');
    assert.equal(trafs.length, c.runs.length);
    trafs.forEach((traf, i) => {
      const run = c.runs[i]!;
      const tfhd = find(traf.children, 'tfhd')!;
      assert.equal(tfhd.body.readUInt32BE(0) & 0xffffff, 0x020000, 'default-base-is-moof');
      assert.equal(tfhd.body.readUInt32BE(4), run.trackId);
      const tfdt = find(traf.children, 'tfdt')!;
      assert.equal(tfdt.body[0], 1, 'version 1: 64-bit time');
      assert.equal(Number(tfdt.body.readBigUInt64BE(4)), run.baseDecodeTime);
      const trun = find(traf.children, 'trun')!.body;
      assert.equal(trun[0], 1, 'version 1: signed composition offsets');
      assert.equal(trun.readUInt32BE(4), run.samples.length);
      let at = moof.start + trun.readInt32BE(8);
      run.samples.forEach((s, k) => {
        const o = 12 + k * 16;
        assert.equal(trun.readUInt32BE(o), s.duration);
        assert.equal(trun.readUInt32BE(o + 4), s.data.length);
        assert.equal(trun.readUInt32BE(o + 8), s.sync ? SYNC_SAMPLE_FLAGS : NON_SYNC_SAMPLE_FLAGS);
        assert.equal(trun.readInt32BE(o + 12), s.compositionOffset);
        assert.deepEqual(buf.subarray(at, at + s.data.length), s.data, `sample ${k} of track ${run.trackId} is where data_offset says`);
        at += s.data.length;
      });
    });
    const total = c.runs.reduce((n, r) => n + r.samples.reduce((m, s) => m + s.data.length, 0), 0);
    assert.equal(boxes[1]!.size, 8 + total);
  });
}
