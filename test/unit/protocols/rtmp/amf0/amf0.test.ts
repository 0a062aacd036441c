import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAmf0, Amf0Decoder } from '../../../../../protocols/rtmp/amf0/amf0-decoder.ts';
import { encodeAmf0 } from '../../../../../protocols/rtmp/amf0/amf0-encoder.ts';
import { amfClassName, asEcmaArray, isEcmaArray, withClassName } from '../../../../../protocols/rtmp/amf0/amf-value.ts';
import type { AmfObject, AmfValue } from '../../../../../protocols/rtmp/amf0/amf-value.ts';

/** Case table shared by the encoder and the decoder (AMF0 spec §2). */
const cases: Array<{ name: string; value: AmfValue; hex: string }> = [
  { name: 'number 0', value: 0, hex: '000000000000000000' },
  { name: 'number 1.5', value: 1.5, hex: '003ff8000000000000' },
  { name: 'number -1', value: -1, hex: '00bff0000000000000' },
  { name: 'boolean true', value: true, hex: '0101' },
  { name: 'boolean false', value: false, hex: '0100' },
  { name: 'string', value: 'connect', hex: '020007636f6e6e656374' },
  { name: 'empty string', value: '', hex: '020000' },
  { name: 'utf-8 string', value: 'é', hex: '020002c3a9' },
  { name: 'null', value: null, hex: '05' },
  { name: 'undefined', value: undefined, hex: '06' },
  { name: 'object', value: { app: 'live' }, hex: '03' + '0003617070' + '0200046c697665' + '000009' },
  { name: 'empty object', value: {}, hex: '03000009' },
  { name: 'nested object', value: { a: { b: null } }, hex: '03' + '000161' + '03' + '000162' + '05' + '000009' + '000009' },
  { name: 'ECMA array', value: asEcmaArray({ width: 320 }), hex: '0800000001' + '0005776964746' + '8' + '004074000000000000' + '000009' },
  { name: 'strict array', value: [1, 'a'], hex: '0a00000002' + '003ff0000000000000' + '02000161' },
  { name: 'date', value: new Date(1700000000000), hex: '0b' + '4278bcfe56800000' + '0000' },
  { name: 'typed object', value: withClassName({ x: true }, 'Point'), hex: '10' + '0005506f696e74' + '000178' + '0101' + '000009' },
];

for (const c of cases) {
  test(`AMF0 ${c.name}: encode and decode`, () => {
    assert.equal(encodeAmf0(c.value).toString('hex'), c.hex);
    const input = Buffer.from(c.hex, 'hex');
    const copy = Buffer.from(input);
    const [decoded] = decodeAmf0(input);
    assert.deepEqual(decoded, c.value);
    assert.deepEqual(input, copy, 'input not modified');
    if (typeof c.value === 'object' && c.value !== null && !Array.isArray(c.value) && !(c.value instanceof Date) && !Buffer.isBuffer(c.value)) {
      assert.equal(isEcmaArray(decoded as AmfObject), isEcmaArray(c.value));
      assert.equal(amfClassName(decoded as AmfObject), amfClassName(c.value));
    }
  });
}

test('long string: encoded past 65535 bytes, decoded both ways', () => {
  const s = 'x'.repeat(70000);
  const enc = encodeAmf0(s);
  assert.equal(enc[0], 0x0c);
  assert.equal(enc.readUInt32BE(1), 70000);
  assert.deepEqual(decodeAmf0(enc), [s]);
  assert.deepEqual(decodeAmf0(Buffer.from('0c0000000161', 'hex')), ['a']);
});

test('a command: several values back to back', () => {
  const body = encodeAmf0('connect', 1, { app: 'site1', tcUrl: 'rtmp://h/site1' });
  assert.deepEqual(decodeAmf0(body), ['connect', 1, { app: 'site1', tcUrl: 'rtmp://h/site1' }]);
});

/** Decode-only cases: inputs we accept but never write. */
const decodeOnly: Array<{ name: string; hex: string; value: AmfValue[] }> = [
  { name: 'XML document as string', hex: '0f0000000361623c', value: ['ab<'] },
  { name: 'unsupported marker as undefined', hex: '0d', value: [undefined] },
  { name: 'reference to an earlier object', hex: '0a00000002' + '03000161' + '0101' + '000009' + '070001', value: [[{ a: true }, { a: true }]] },
  { name: 'ECMA array with a wrong count', hex: '08000000ff' + '000161' + '05' + '000009', value: [{ a: null }] },
  { name: 'librtmp camera: ECMA array ending without 0x09 at message end', hex: '0800000001' + '000161' + '05' + '0000', value: [{ a: null }] },
  { name: 'AVM+ switch to AMF3 string', hex: '11' + '0607616263', value: ['abc'] },
];

for (const c of decodeOnly) {
  test(`AMF0 decode: ${c.name}`, () => {
    assert.deepEqual(decodeAmf0(Buffer.from(c.hex, 'hex')), c.value);
  });
}

test('reference resolves to the same object', () => {
  const [arr] = decodeAmf0(Buffer.from('0a00000002' + '03000161' + '0101' + '000009' + '070001', 'hex')) as [AmfValue[]];
  assert.equal(arr[0], arr[1]);
});

const errors: Array<{ name: string; hex: string; code: string }> = [
  { name: 'truncated number', hex: '00000000', code: 'RTMP_AMF_TRUNCATED' },
  { name: 'truncated string', hex: '020005616263', code: 'RTMP_AMF_TRUNCATED' },
  { name: 'truncated long string', hex: '0c00', code: 'RTMP_AMF_TRUNCATED' },
  { name: 'object without end', hex: '03000161', code: 'RTMP_AMF_TRUNCATED' },
  { name: 'object end marker alone', hex: '09', code: 'RTMP_AMF_MARKER_UNSUPPORTED' },
  { name: 'movie clip', hex: '04', code: 'RTMP_AMF_MARKER_UNSUPPORTED' },
  { name: 'record set', hex: '0e', code: 'RTMP_AMF_MARKER_UNSUPPORTED' },
  { name: 'unknown marker 0x20', hex: '20', code: 'RTMP_AMF_MARKER_UNSUPPORTED' },
  { name: 'empty key not followed by 0x09', hex: '030000' + '05', code: 'RTMP_AMF_MARKER_UNSUPPORTED' },
  { name: 'reference to nothing', hex: '070000', code: 'RTMP_AMF_REFERENCE_INVALID' },
  { name: 'strict array count beyond the message', hex: '0affffffff05', code: 'RTMP_AMF_TRUNCATED' },
  { name: 'truncated date', hex: '0b4278bcfe56800000', code: 'RTMP_AMF_TRUNCATED' },
];

for (const c of errors) {
  test(`AMF0 error: ${c.name}`, () => {
    assert.throws(() => decodeAmf0(Buffer.from(c.hex, 'hex')), { code: c.code });
  });
}

test('nesting deeper than the limit is refused, not a stack overflow', () => {
  const deep = Buffer.from('0a00000001'.repeat(100000) + '05', 'hex');
  assert.throws(() => decodeAmf0(deep), { code: 'RTMP_AMF_TOO_DEEP' });
  let v: AmfValue = null;
  for (let i = 0; i < 100; i++) v = [v];
  assert.throws(() => encodeAmf0(v), { code: 'RTMP_AMF_ENCODE_UNSUPPORTED' });
});

test('encoder refuses byte arrays and over-long names', () => {
  assert.throws(() => encodeAmf0(Buffer.alloc(1)), { code: 'RTMP_AMF_ENCODE_UNSUPPORTED' });
  assert.throws(() => encodeAmf0({ ['k'.repeat(70000)]: 1 }), { code: 'RTMP_AMF_ENCODE_UNSUPPORTED' });
});

test('decoder reports its offset value by value', () => {
  const d = new Amf0Decoder(encodeAmf0('a', 1));
  assert.equal(d.read(), 'a');
  assert.equal(d.offset, 4);
  assert.equal(d.read(), 1);
  assert.equal(d.done, true);
});
