import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_BODY_BYTES, MAX_HEADER_COUNT, MAX_LINE_BYTES } from '../../../../../protocols/rtsp/message/limits.ts';
import { RtspMessageReader } from '../../../../../protocols/rtsp/message/message-reader.ts';
import type { RtspReaderItem } from '../../../../../protocols/rtsp/message/rtsp-message.ts';
import { assertThrowsThreeWays, feedThreeWays, forEachFeeding } from '../../../../helpers/feed.ts';
import { normalize, READER_CASES } from './cases.ts';

const norm = (i: RtspReaderItem): unknown => normalize(i as never);

describe('RtspMessageReader', () => {
  for (const c of READER_CASES) {
    it(c.name, () => {
      const items = feedThreeWays<RtspReaderItem>(c.wire, (sink) => new RtspMessageReader(sink), norm);
      assert.deepEqual(items.map(norm), c.items);
    });
  }

  /**
   * Pieces fed the way a socket read straight from its handle delivers them: copied into one
   * reused buffer, pushed with pushLent, the buffer scribbled over right after. Items are
   * normalized only at the end, so a payload or body pointing into the lent buffer would show it.
   */
  const readLent = (pieces: readonly Buffer[]): RtspReaderItem[] => {
    const items: RtspReaderItem[] = [];
    const reader = new RtspMessageReader((i) => items.push(i));
    const shared = Buffer.alloc(64 * 1024);
    for (const p of pieces) {
      reader.pushLent(shared.subarray(0, p.copy(shared)));
      shared.fill(0xee);
    }
    return items;
  };
  for (const c of READER_CASES) {
    it(`lent input: ${c.name}`, () => {
      forEachFeeding(c.wire, readLent, (items, label) => assert.deepEqual(items.map(norm), c.items, label));
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
      // Security issue 17.7: the first value framed an empty body and the 44 bytes ran as a second request.
      name: 'two Content-Length headers (0 and 44)',
      wire: Buffer.from(`SET_PARAMETER rtsp://h/a RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\nOPTIONS * RTSP/1.0\r\nCSeq: 2\r\n\r\n`),
      code: 'RTSP_CONTENT_LENGTH_INVALID',
    },
    { name: 'repeated equal Content-Length', wire: Buffer.from('OPTIONS * RTSP/1.0\r\ncontent-length: 2\r\nContent-Length: 2\r\n\r\nhi'), code: 'RTSP_CONTENT_LENGTH_INVALID' },
    { name: 'non-digit Content-Length', wire: Buffer.from('OPTIONS * RTSP/1.0\r\nContent-Length: 0x10\r\n\r\n'), code: 'RTSP_CONTENT_LENGTH_INVALID' },
    { name: 'Content-Length list', wire: Buffer.from('OPTIONS * RTSP/1.0\r\nContent-Length: 0, 44\r\n\r\n'), code: 'RTSP_CONTENT_LENGTH_INVALID' },
    { name: 'Transfer-Encoding: chunked', wire: Buffer.from('ANNOUNCE rtsp://h/a RTSP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n'), code: 'RTSP_TRANSFER_ENCODING_UNSUPPORTED' },
    {
      name: 'Transfer-Encoding beside Content-Length',
      wire: Buffer.from('ANNOUNCE rtsp://h/a RTSP/1.0\r\nContent-Length: 2\r\nTransfer-Encoding: identity\r\n\r\nhi'),
      code: 'RTSP_TRANSFER_ENCODING_UNSUPPORTED',
    },
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

  it('two Content-Length headers: nothing is emitted, not the first request and not the trailing bytes', () => {
    const items: RtspReaderItem[] = [];
    const reader = new RtspMessageReader((i) => items.push(i));
    const wire = 'DESCRIBE rtsp://h/a RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\nPLAY rtsp://h/a RTSP/1.0\r\nCSeq: 2\r\n\r\n';
    assert.throws(() => reader.push(Buffer.from(wire)), { code: 'RTSP_CONTENT_LENGTH_INVALID' });
    assert.equal(items.length, 0);
  });

  it('accepts a line of exactly MAX_LINE_BYTES', () => {
    const uri = `rtsp://h/${'a'.repeat(MAX_LINE_BYTES - 'OPTIONS  RTSP/1.0'.length - 'rtsp://h/'.length)}`;
    const line = `OPTIONS ${uri} RTSP/1.0`;
    assert.equal(line.length, MAX_LINE_BYTES);
    const items: RtspReaderItem[] = [];
    new RtspMessageReader((i) => items.push(i)).push(Buffer.from(`${line}\r\nCSeq: 1\r\n\r\n`));
    assert.equal(items.length, 1);
  });
});
