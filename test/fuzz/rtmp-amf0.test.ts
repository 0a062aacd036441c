/**
 * Fuzz of the AMF0 decoder (with embedded AMF3): seeded from the unit case table's encodings and
 * real commands, mutated. Invariants: only ProtocolError is thrown; what decodes re-encodes
 * (unless it holds an AMF3 ByteArray) without throwing anything but ProtocolError.
 */
import { test } from 'node:test';
import { decodeAmf0 } from '../../protocols/rtmp/amf0/amf0-decoder.ts';
import { encodeAmf0 } from '../../protocols/rtmp/amf0/amf0-encoder.ts';
import { asEcmaArray, withClassName } from '../../protocols/rtmp/amf0/amf-value.ts';
import { FUZZ_ITERATIONS, mutate, onlyProtocolError } from '../unit/protocols/rtmp/fuzz-helpers.ts';
import { prng } from '../helpers/random.ts';

const seeds: Buffer[] = [
  encodeAmf0('connect', 1, { app: 'site1', flashVer: 'FMLE/3.0', tcUrl: 'rtmp://h/site1', capabilities: 15, objectEncoding: 0 }),
  encodeAmf0('@setDataFrame', 'onMetaData', asEcmaArray({ width: 320, height: 240, framerate: 25, stereo: false, encoder: 'Lavf58' })),
  encodeAmf0('_result', 4, null, 1),
  encodeAmf0([1, 'a', [true, null, undefined]], new Date(0), withClassName({ x: 1 }, 'P'), 'x'.repeat(70000)),
  Buffer.from('0a00000002' + '03000161' + '0101' + '000009' + '070001', 'hex'), // reference
  Buffer.from('11' + '0905' + '01' + '0a0b01' + '0361' + '03' + '01' + '0a02', 'hex'), // AMF3 array + object ref
  Buffer.from('11' + '0a13' + '0350' + '0378' + '0401' + '11' + '0a01' + '0402', 'hex'), // AMF3 traits ref
  Buffer.from('11' + '0d05' + '00' + 'ffffffff' + '00000002' + '11' + '0c05abcd', 'hex'), // vectors, byte array
];

test('fuzz: AMF0/AMF3 decoding takes only ProtocolErrors', () => {
  const rnd = prng(0x414d4630);
  for (let i = 0; i < FUZZ_ITERATIONS; i++) {
    const input = mutate(seeds[i % seeds.length]!, rnd, 1 + (i % 6));
    onlyProtocolError(() => {
      const values = decodeAmf0(input);
      encodeAmf0(...values); // a ByteArray or a deep structure is refused with a ProtocolError
    }, `iteration ${i}`, { target: 'amf0', input });
  }
});
