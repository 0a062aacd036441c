import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_BODY_BYTES, MAX_HEADER_COUNT, MAX_LINE_BYTES } from '../../../../../protocols/rtsp/message/limits.ts';
import { RtspMessageReader } from '../../../../../protocols/rtsp/message/message-reader.ts';
import type { RtspReaderItem } from '../../../../../protocols/rtsp/message/rtsp-message.ts';
import { assertThrowsThreeWays, feedThreeWays } from '../feed-three-ways.ts';
import { normalize, READER_CASES } from './cases.ts';

const norm = (i: RtspReaderItem): unknown => normalize(i as never);

describe('RtspMessageReader', () => {
  for (const c of READER_CASES) {
    it(c.name, () => {
      const items = feedThreeWays<RtspReaderItem>(c.wire, (sink) => new RtspMessageReader(sink), norm);
      assert.deepEqual(items.map(norm), c.items);
    });
  }

  it('hands a one-chunk interleaved payload out as a view, not a copy', () => {
    const wire = Buffer.from('24000003010203', 'hex');
    const items: RtspReaderItem[] = [];
    new RtspMessageReader((i) => items.push(i)).push(wire);
    const frame = items[0];
    assert.equal(frame?.kind, 'interleaved');
    if (frame?.kind === 'interleaved') assert.equal(frame.payload.buffer, wire.buffer);
  });

  it('keeps nothing buffered after a complete message', () => {
    const reader = new RtspMessageReader(() => {});
    reader.push(READER_CASES[0]!.wire);
    assert.equal(reader.bufferedBytes, 0);
  });

  const errors: { name: string; wire: Buffer; code: string; limits?: Record<string, number> }[] = [
    { name: 'request line without version', wire: Buffer.from('OPTIONS rtsp://h/a\r\n\r\n'), code: 'RTSP_START_LINE_INVALID' },
    { name: 'garbage start line', wire: Buffer.from('\x16\x03\x01 hello\r\n'), code: 'RTSP_START_LINE_INVALID' },
    { name: 'HTTP request (tunnelling not supported)', wire: Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), code: 'RTSP_START_LINE_INVALID' },
    { name: 'RTSP/2.0 request', wire: Buffer.from('OPTIONS * RTSP/2.0\r\nCSeq: 1\r\n\r\n'), code: 'RTSP_VERSION_UNSUPPORTED' },
    { name: 'malformed status line', wire: Buffer.from('RTSP/1.0 OK\r\n\r\n'), code: 'RTSP_START_LINE_INVALID' },
    { name: 'header line without colon', wire: Buffer.from('OPTIONS * RTSP/1.0\r\nCSeq 1\r\n\r\n'), code: 'RTSP_HEADER_INVALID' },
    { name: 'continuation before any header', wire: Buffer.from('OPTIONS * RTSP/1.0\r\n folded\r\n\r\n'), code: 'RTSP_HEADER_INVALID' },
    { name: 'negative Content-Length', wire: Buffer.from('OPTIONS * RTSP/1.0\r\nContent-Length: -1\r\n\r\n'), code: 'RTSP_CONTENT_LENGTH_INVALID' },
    {
      name: 'Content-Length over MAX_BODY_BYTES',
      wire: Buffer.from(`ANNOUNCE rtsp://h/a RTSP/1.0\r\nContent-Length: ${MAX_BODY_BYTES + 1}\r\n\r\n`),
      code: 'RTSP_BODY_TOO_LARGE',
    },
    { name: 'line of MAX_LINE_BYTES + 1', wire: Buffer.from(`OPTIONS rtsp://h/${'a'.repeat(MAX_LINE_BYTES)} RTSP/1.0\r\n`), code: 'RTSP_LINE_TOO_LONG' },
    { name: 'endless line without LF', wire: Buffer.alloc(MAX_LINE_BYTES + 2, 0x41), code: 'RTSP_LINE_TOO_LONG' },
    {
      name: 'too many header fields',
      wire: Buffer.from(`OPTIONS * RTSP/1.0\r\n${'X-A: b\r\n'.repeat(MAX_HEADER_COUNT + 1)}\r\n`),
      code: 'RTSP_TOO_MANY_HEADERS',
    },
    {
      name: 'header section over the byte limit',
      wire: Buffer.from(`OPTIONS * RTSP/1.0\r\n${`X-A: ${'b'.repeat(1000)}\r\n`.repeat(40)}\r\n`),
      code: 'RTSP_HEADER_TOO_LONG',
      limits: { maxHeaderCount: 1000 },
    },
    { name: '1 MB header value', wire: Buffer.from(`OPTIONS * RTSP/1.0\r\nX-Big: ${'x'.repeat(1 << 20)}\r\n\r\n`), code: 'RTSP_LINE_TOO_LONG' },
    { name: 'interleaved frame over a lowered limit', wire: Buffer.from('24000101', 'hex'), code: 'RTSP_INTERLEAVED_FRAME_TOO_LARGE', limits: { maxInterleavedFrameBytes: 256 } },
  ];
  for (const e of errors) {
    it(`rejects: ${e.name}`, () => {
      assertThrowsThreeWays(e.wire, () => new RtspMessageReader(() => {}, e.limits ?? {}), e.code);
    });
  }

  it('accepts a line of exactly MAX_LINE_BYTES', () => {
    const uri = `rtsp://h/${'a'.repeat(MAX_LINE_BYTES - 'OPTIONS  RTSP/1.0'.length - 'rtsp://h/'.length)}`;
    const line = `OPTIONS ${uri} RTSP/1.0`;
    assert.equal(line.length, MAX_LINE_BYTES);
    const items: RtspReaderItem[] = [];
    new RtspMessageReader((i) => items.push(i)).push(Buffer.from(`${line}\r\nCSeq: 1\r\n\r\n`));
    assert.equal(items.length, 1);
  });
});
