/**
 * Fuzz of the RTSP message reader: seeds from the reader case table, mutated with a seeded PRNG.
 * Invariants: only ProtocolError is thrown, every push returns, and buffered bytes stay under the
 * limits (a line plus its CR LF, or one header section, or one body, or one interleaved frame).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isProtocolError } from '../../protocols/errors.ts';
import { RtspMessageReader } from '../../protocols/rtsp/message/message-reader.ts';
import { parseSdp } from '../../protocols/rtsp/sdp/parse-sdp.ts';
import { parseTransports } from '../../protocols/rtsp/headers/transport.ts';
import { parseWwwAuthenticate } from '../../protocols/rtsp/headers/www-authenticate.ts';
import { READER_CASES } from '../unit/protocols/rtsp/message/cases.ts';
import { keepCrasher } from './save-crasher.ts';
import { prng } from '../helpers/random.ts';
import { randomSegments } from '../helpers/feed.ts';

const ITERATIONS = Number(process.env['CUPOLA_FUZZ_ITERATIONS'] ?? 2000);
const LIMITS = { maxLineBytes: 256, maxHeaderCount: 16, maxHeaderBytes: 1024, maxBodyBytes: 2048, maxInterleavedFrameBytes: 1500 };
const MAX_BUFFERED = LIMITS.maxHeaderBytes + LIMITS.maxBodyBytes + LIMITS.maxInterleavedFrameBytes + 4;

const INTERESTING = ['\r\n', '\n', '$', ':', ' ', 'Content-Length: 99999\r\n', 'Content-Length: 5\r\n', 'RTSP/1.0', '\x00', '\xff'];

function mutate(input: Buffer, rnd: () => number): Buffer {
  const bytes = [...input];
  const n = 1 + Math.floor(rnd() * 8);
  for (let i = 0; i < n; i++) {
    const pos = Math.floor(rnd() * (bytes.length + 1));
    switch (Math.floor(rnd() * 5)) {
      case 0:
        bytes[pos] = Math.floor(rnd() * 256);
        break;
      case 1:
        bytes.splice(pos, 1 + Math.floor(rnd() * 8));
        break;
      case 2:
        bytes.splice(pos, 0, ...Buffer.from(INTERESTING[Math.floor(rnd() * INTERESTING.length)]!, 'latin1'));
        break;
      case 3: {
        const from = Math.floor(rnd() * bytes.length);
        bytes.splice(pos, 0, ...bytes.slice(from, from + Math.floor(rnd() * 64)));
        break;
      }
      default:
        bytes.splice(pos, 0, 0x24, Math.floor(rnd() * 256), Math.floor(rnd() * 8), Math.floor(rnd() * 256));
    }
  }
  return Buffer.from(bytes);
}

function expectOnlyProtocolError(run: () => void): void {
  try {
    run();
  } catch (err) {
    if (!isProtocolError(err)) throw err;
  }
}

describe('fuzz: RTSP message reader', () => {
  it(`${ITERATIONS} mutated inputs, random segmentation`, () => {
    const rnd = prng(0xc0ffee);
    const seeds = READER_CASES.map((c) => c.wire);
    for (let i = 0; i < ITERATIONS; i++) {
      const input = mutate(seeds[i % seeds.length]!, rnd);
      const reader = new RtspMessageReader((item) => {
        // Consumers parse headers of what they get; that must hold to the same contract.
        if (item.kind === 'request') {
          const t = item.headers.get('Transport');
          if (t !== undefined) expectOnlyProtocolError(() => parseTransports(t));
          expectOnlyProtocolError(() => parseWwwAuthenticate(item.headers.getAll('WWW-Authenticate')));
          if (item.body.length > 0) expectOnlyProtocolError(() => parseSdp(item.body));
        }
      }, LIMITS);
      keepCrasher('rtsp-message', input, () =>
        expectOnlyProtocolError(() => {
          for (const piece of randomSegments(input, rnd, 32)) {
            reader.push(piece);
            assert.ok(reader.bufferedBytes <= MAX_BUFFERED, `buffered ${reader.bufferedBytes} bytes`);
          }
        }),
      );
    }
  });
});
