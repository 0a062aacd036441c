import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAmf0 } from '../../../../../protocols/rtmp/amf0/amf0-decoder.ts';
import { amfClassName } from '../../../../../protocols/rtmp/amf0/amf-value.ts';
import type { AmfObject, AmfValue } from '../../../../../protocols/rtmp/amf0/amf-value.ts';

/** AMF3 values behind the AMF0 avmplus-object marker (0x11); AMF3 spec §3. */
const cases: Array<{ name: string; hex: string; value: AmfValue }> = [
  { name: 'undefined', hex: '00', value: undefined },
  { name: 'null', hex: '01', value: null },
  { name: 'false', hex: '02', value: false },
  { name: 'true', hex: '03', value: true },
  { name: 'integer 1 byte', hex: '047f', value: 127 },
  { name: 'integer 2 bytes', hex: '048100', value: 128 },
  { name: 'integer 4 bytes max', hex: '04bfffffff', value: 0x0fffffff },
  { name: 'integer -1', hex: '04ffffffff', value: -1 },
  { name: 'double', hex: '053ff8000000000000', value: 1.5 },
  { name: 'string', hex: '0607616263', value: 'abc' },
  { name: 'date', hex: '0801' + '4278bcfe56800000', value: new Date(1700000000000) },
  { name: 'dense array', hex: '0905' + '01' + '0401' + '0402', value: [1, 2] },
  { name: 'associative array', hex: '0903' + '0361' + '0401' + '01' + '0403', value: { a: 1, '0': 3 } },
  { name: 'anonymous dynamic object', hex: '0a0b' + '01' + '0361' + '0605' + '7879' + '01', value: { a: 'xy' } },
  { name: 'byte array', hex: '0c05' + 'abcd', value: Buffer.from('abcd', 'hex') },
  { name: 'xml', hex: '0b05' + '3c61', value: '<a' },
  { name: 'vector of int', hex: '0d05' + '00' + 'ffffffff' + '00000002', value: [-1, 2] },
  { name: 'vector of double', hex: '0f03' + '00' + '3ff0000000000000', value: [1] },
  { name: 'vector of object', hex: '1003' + '00' + '01' + '0401', value: [1] },
];

for (const c of cases) {
  test(`AMF3 ${c.name}`, () => {
    assert.deepEqual(decodeAmf0(Buffer.from('11' + c.hex, 'hex')), [c.value]);
  });
}

test('AMF3 sealed typed object and traits / string references', () => {
  // Two objects of class "P" with sealed member "x"; the second reuses the traits (ref 0) and the
  // string table ("P" is string 0, "x" string 1).
  // 0x13: inline traits, not dynamic, one sealed member; 0x01: traits reference 0.
  const hex = '0a' + '13' + '0350' + '0378' + '0401' + '11' + '0a' + '01' + '0402';
  const [a, b] = decodeAmf0(Buffer.from('11' + hex, 'hex')) as [AmfObject, AmfObject];
  assert.deepEqual(a, { x: 1 });
  assert.equal(amfClassName(a), 'P');
  assert.deepEqual(b, { x: 2 });
  assert.equal(amfClassName(b), 'P');
});

test('AMF3 object reference returns the same object', () => {
  // Dense array of 2: an anonymous dynamic object {a: true}, then object reference 1 to it.
  const hex = '0905' + '01' + '0a0b01' + '0361' + '03' + '01' + '0a02';
  const [arr] = decodeAmf0(Buffer.from('11' + hex, 'hex')) as [AmfObject[]];
  assert.equal(arr[0], arr[1]);
});

const errors: Array<{ name: string; hex: string; code: string }> = [
  { name: 'truncated U29', hex: '0480', code: 'RTMP_AMF_TRUNCATED' },
  { name: 'string reference to nothing', hex: '0602', code: 'RTMP_AMF_REFERENCE_INVALID' },
  { name: 'object reference to nothing', hex: '0a02', code: 'RTMP_AMF_REFERENCE_INVALID' },
  { name: 'traits reference to nothing', hex: '0a05', code: 'RTMP_AMF_REFERENCE_INVALID' },
  { name: 'externalizable object', hex: '0a07' + '0341', code: 'RTMP_AMF_MARKER_UNSUPPORTED' },
  { name: 'dictionary', hex: '1101', code: 'RTMP_AMF_MARKER_UNSUPPORTED' },
  { name: 'dense count beyond the message', hex: '09ffffff7f01', code: 'RTMP_AMF_TRUNCATED' },
  { name: 'vector count beyond the message', hex: '0dffffff7f00', code: 'RTMP_AMF_TRUNCATED' },
  { name: 'marker 0x20', hex: '20', code: 'RTMP_AMF_MARKER_UNSUPPORTED' },
];

for (const c of errors) {
  test(`AMF3 error: ${c.name}`, () => {
    assert.throws(() => decodeAmf0(Buffer.from('11' + c.hex, 'hex')), { code: c.code });
  });
}

test('AMF3 nesting limit', () => {
  assert.throws(() => decodeAmf0(Buffer.from('11' + '090301'.repeat(5000), 'hex')), { code: 'RTMP_AMF_TOO_DEEP' });
});
