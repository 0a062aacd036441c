import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRequest, createResponse, encodeInterleavedHeader, encodeRequest, encodeResponse } from '../../../../../protocols/rtsp/message/message-writer.ts';
import { RtspMessageReader } from '../../../../../protocols/rtsp/message/message-reader.ts';
import type { RtspReaderItem } from '../../../../../protocols/rtsp/message/rtsp-message.ts';

function readAll(wire: Buffer): RtspReaderItem[] {
  const items: RtspReaderItem[] = [];
  new RtspMessageReader((i) => items.push(i)).push(wire);
  return items;
}

describe('message writer', () => {
  it('request round trip with body sets Content-Length', () => {
    const req = createRequest({ method: 'ANNOUNCE', uri: 'rtsp://h/a', headers: { CSeq: '2', 'Content-Type': 'application/sdp' }, body: 'v=0\r\n' });
    const wire = encodeRequest(req);
    assert.equal(wire.toString(), 'ANNOUNCE rtsp://h/a RTSP/1.0\r\nCSeq: 2\r\nContent-Type: application/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\n');
    const [back] = readAll(wire);
    assert.equal(back?.kind, 'request');
    if (back?.kind === 'request') {
      assert.equal(back.method, 'ANNOUNCE');
      assert.equal(back.headers.get('content-type'), 'application/sdp');
      assert.equal(back.body.toString(), 'v=0\r\n');
    }
  });

  it('response gets the standard reason phrase and no Content-Length without a body', () => {
    const wire = encodeResponse(createResponse({ statusCode: 454, headers: [['CSeq', '7']] }));
    assert.equal(wire.toString(), 'RTSP/1.0 454 Session Not Found\r\nCSeq: 7\r\n\r\n');
  });

  it('repeated header names are kept (WWW-Authenticate with two schemes)', () => {
    const res = createResponse({ statusCode: 401, headers: [['CSeq', '1'], ['WWW-Authenticate', 'Digest realm="r", nonce="n"'], ['WWW-Authenticate', 'Basic realm="r"']] });
    const [back] = readAll(encodeResponse(res));
    assert.deepEqual(back?.kind === 'response' ? back.headers.getAll('www-authenticate') : [], ['Digest realm="r", nonce="n"', 'Basic realm="r"']);
  });

  it('refuses CR/LF inside a header value (header injection)', () => {
    assert.throws(() => encodeResponse(createResponse({ statusCode: 200, headers: { X: 'a\r\nSession: 1' } })), RangeError);
  });

  it('interleaved header', () => {
    assert.equal(encodeInterleavedHeader(3, 0x1234).toString('hex'), '24031234');
    assert.throws(() => encodeInterleavedHeader(0, 65536), RangeError);
  });
});
