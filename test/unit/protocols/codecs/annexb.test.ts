import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  annexBToLengthPrefixed,
  joinAnnexB,
  lengthPrefixedToAnnexB,
  removeEmulationPrevention,
  splitAnnexB,
  startsWithStartCode,
} from '../../../../protocols/codecs/annexb.ts';
import { joinLengthPrefixed } from '../../../../protocols/media/frame.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const splitCases: { name: string; stream: string; nalus: string[] }[] = [
  { name: '4-byte start codes', stream: '00000001 6742 00000001 68ce 00000001 658880', nalus: ['6742', '68ce', '658880'] },
  { name: '3-byte start codes', stream: '000001 6742 000001 68ce', nalus: ['6742', '68ce'] },
  { name: 'mixed start codes', stream: '00000001 6742 000001 68ce 00000001 41', nalus: ['6742', '68ce', '41'] },
  { name: 'trailing_zero_8bits trimmed', stream: '000001 6742 0000 000001 68ce 00', nalus: ['6742', '68ce'] },
  { name: 'leading garbage ignored', stream: 'ff ee 000001 09f0', nalus: ['09f0'] },
  { name: 'empty units skipped', stream: '000001 000001 6742', nalus: ['6742'] },
  { name: 'no start code', stream: '6742 68ce', nalus: [] },
  { name: 'empty', stream: '', nalus: [] },
  { name: 'emulation prevention bytes kept', stream: '000001 65 000003 01 000001 41', nalus: ['6500000301', '41'] },
];

for (const c of splitCases) {
  test(`splitAnnexB: ${c.name}`, () => {
    const stream = hex(c.stream);
    const copy = Buffer.from(stream);
    assert.deepEqual(splitAnnexB(stream).map((n) => n.toString('hex')), c.nalus);
    assert.deepEqual(stream, copy, 'input not modified');
    assert.deepEqual(annexBToLengthPrefixed(stream), joinLengthPrefixed(c.nalus.map(hex)));
  });
}

test('length-prefixed <-> Annex B round trip', () => {
  const nalus = [hex('6742c01e'), hex('68ce3c80'), Buffer.alloc(3000, 0x65)];
  const lp = joinLengthPrefixed(nalus);
  const annexB = lengthPrefixedToAnnexB(lp);
  assert.deepEqual(annexB, joinAnnexB(nalus));
  assert.equal(annexB.subarray(0, 4).toString('hex'), '00000001');
  assert.equal(startsWithStartCode(annexB), true);
  assert.equal(startsWithStartCode(hex('000001 65')), true);
  assert.equal(startsWithStartCode(hex('0000 0265')), false);
  assert.deepEqual(annexBToLengthPrefixed(annexB), lp);
});

const epbCases: { name: string; input: string; rbsp: string }[] = [
  { name: 'none', input: '6742c01e', rbsp: '6742c01e' },
  { name: 'one', input: '00000301', rbsp: '000001' },
  { name: 'two in a row', input: '000003000003', rbsp: '00000000' },
  { name: 'at the end', input: '11000003', rbsp: '110000' },
  { name: '00 00 04 untouched', input: '000004', rbsp: '000004' },
  { name: 'real SPS (x264 1080p)', input: '640028acd940780227e5c044000003000400000300f03c60c658', rbsp: '640028acd940780227e5c04400000004000000f03c60c658' },
];

for (const c of epbCases) {
  test(`removeEmulationPrevention: ${c.name}`, () => {
    const input = hex(c.input);
    const copy = Buffer.from(input);
    const out = removeEmulationPrevention(input);
    assert.equal(out.toString('hex'), c.rbsp);
    assert.deepEqual(input, copy);
    if (c.input === c.rbsp) assert.equal(out, input, 'returns the input itself when nothing to remove');
  });
}
