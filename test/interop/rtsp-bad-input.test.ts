/**
 * Bad input on one RTSP connection gets a 4xx or closes that connection only: a reader playing the
 * same camera on another connection keeps receiving frames throughout.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Frame } from '../../protocols/media/frame.ts';
import { RtpPacket } from '../../protocols/rtp/packet.ts';
import { encodeInterleavedHeader } from '../../protocols/rtsp/message/message-writer.ts';
import { buildSdp } from '../../protocols/rtsp/sdp/build-sdp.ts';
import { sdpFromStreamDescription } from '../../protocols/rtsp/sdp/stream-sdp.ts';
import { startRtspPlayer, type RtspPlayer } from '../../src/rtsp/client/rtsp-player.ts';
import { killAllFfmpeg, runFfmpeg, syntheticCameraArgs } from '../helpers/ffmpeg.ts';
import { RawRtspConnection as Raw } from './raw-rtsp-connection.ts';
import { startRtspHarness, waitLive, type RtspHarness } from './rtsp-harness.ts';
import { until } from '../helpers/wait.ts';

describe('RTSP bad input', { timeout: 120_000 }, () => {
  let h: RtspHarness;
  let reader: RtspPlayer;
  const seen: Frame[] = [];
  const CAM = 'site1/cam1';
  const url = (p = CAM): string => h.url(p);

  /** The reference reader is still receiving frames. */
  async function readerAlive(): Promise<void> {
    const before = seen.length;
    await until(() => seen.length >= before + 5, 'the other reader to receive 5 more frames (it stopped receiving frames)', 3000, 25);
  }

  before(async () => {
    h = await startRtspHarness();
    runFfmpeg(syntheticCameraArgs(h.url(CAM), { format: 'rtsp', seconds: 60, gop: 25 }));
    await waitLive(h.registry, CAM, 15_000);
    reader = await startRtspPlayer({ url: url() }, { onDescription: () => {}, onFrame: (f) => seen.push(f) });
  });
  after(async () => {
    await reader.close();
    await killAllFfmpeg();
    await h.close();
  });

  it('malformed request line: 400, connection closed', async () => {
    const raw = new Raw(h.listener.port);
    raw.write('HELLO\r\n\r\n');
    assert.equal((await raw.next()).statusCode, 400);
    assert.equal(await raw.closedWithin(3000), true);
    await readerAlive();
  });

  it('1 MB header: 400, connection closed', async () => {
    const raw = new Raw(h.listener.port);
    raw.write(`OPTIONS ${url()} RTSP/1.0\r\nCSeq: 1\r\nX-Big: ${'x'.repeat(1 << 20)}\r\n\r\n`);
    assert.equal((await raw.next()).statusCode, 400);
    assert.equal(await raw.closedWithin(3000), true);
    await readerAlive();
  });

  // Security issue 17.7: with two Content-Length headers (0 and 44) the first framed an empty body,
  // the request was answered 200 and the bytes after the headers ran as a second request.
  it('repeated or conflicting framing headers: one 400, connection closed, trailing bytes not run', async () => {
    const smuggled = `DESCRIBE ${url()} RTSP/1.0\r\nCSeq: 2\r\n\r\n`;
    const cases = [
      `SET_PARAMETER ${url()} RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 0\r\nContent-Length: ${smuggled.length}\r\n\r\n${smuggled}`,
      `SET_PARAMETER ${url()} RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n${smuggled}`,
      `SET_PARAMETER ${url()} RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 1e1\r\n\r\n${smuggled}`,
      `SET_PARAMETER ${url()} RTSP/1.0\r\nCSeq: 1\r\nTransfer-Encoding: chunked\r\n\r\n${smuggled}`,
    ];
    for (const wire of cases) {
      const before = h.listener.stats.protocolErrors;
      const raw = new Raw(h.listener.port);
      raw.write(wire);
      assert.equal(await raw.closedWithin(5000), true, `connection not closed after ${JSON.stringify(wire.split('\r\n').slice(2, 4))}`);
      assert.deepEqual(raw.responses.map((r) => r.statusCode), [400], 'exactly one answer, a 400: neither request ran');
      assert.equal(h.listener.stats.protocolErrors, before + 1);
      await readerAlive();
    }
  });

  it('unknown method: 501, connection stays usable', async () => {
    const raw = new Raw(h.listener.port);
    assert.equal((await raw.request('FLY', url())).statusCode, 501);
    assert.equal((await raw.request('OPTIONS', url())).statusCode, 200);
    raw.destroy();
    await readerAlive();
  });

  it('bad Transport: 461', async () => {
    const raw = new Raw(h.listener.port);
    assert.equal((await raw.request('SETUP', `${url()}/trackID=0`, { Transport: 'RTP/AVP/TCP;interleaved=zz' })).statusCode, 461);
    assert.equal((await raw.request('SETUP', `${url()}/trackID=0`, { Transport: 'RTP/AVP;multicast' })).statusCode, 461);
    raw.destroy();
    await readerAlive();
  });

  it('SETUP after PLAY: 455 on its own connection, 454 from another connection', async () => {
    const a = new Raw(h.listener.port);
    const b = new Raw(h.listener.port);
    const setup = await a.request('SETUP', `${url()}/trackID=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' });
    const session = setup.headers.get('Session')!.split(';')[0]!;
    assert.equal((await a.request('PLAY', url(), { Session: session })).statusCode, 200);
    assert.equal((await a.request('SETUP', `${url()}/trackID=1`, { Session: session, Transport: 'RTP/AVP/TCP;unicast;interleaved=2-3' })).statusCode, 455);
    assert.equal((await b.request('SETUP', `${url()}/trackID=1`, { Session: session, Transport: 'RTP/AVP/TCP;unicast;interleaved=2-3' })).statusCode, 454);
    a.destroy();
    b.destroy();
    await readerAlive();
  });

  it('interleaved frames on an unknown channel are ignored and counted', async () => {
    const raw = new Raw(h.listener.port);
    const before = h.listener.stats.unroutedPackets;
    raw.write(Buffer.concat([encodeInterleavedHeader(9, 4), Buffer.from('abcd'), encodeInterleavedHeader(200, 0)]));
    assert.equal((await raw.request('OPTIONS', url())).statusCode, 200);
    assert.equal(h.listener.stats.unroutedPackets, before + 2);
    raw.destroy();
    await readerAlive();
  });

  it('a publisher sending RTP with a wrong version and a truncated FU-A: frames dropped, connection kept', async () => {
    const path = 'site1/garbage';
    const raw = new Raw(h.listener.port);
    const sdp = buildSdp(sdpFromStreamDescription(h.registry.get(CAM)!.description!, { sessionName: path }).sdp);
    assert.equal((await raw.request('ANNOUNCE', url(path), { 'Content-Type': 'application/sdp' }, sdp)).statusCode, 200);
    const setup = await raw.request('SETUP', `${url(path)}/trackID=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1;mode=record' });
    const session = setup.headers.get('Session')!.split(';')[0]!;
    assert.equal((await raw.request('RECORD', url(path), { Session: session })).statusCode, 200);
    const interleave = (p: Buffer): Buffer => Buffer.concat([encodeInterleavedHeader(0, p.length), p]);
    const rtp = (seq: number, ts: number, marker: boolean, payload: Buffer): Buffer =>
      new RtpPacket({ payloadType: 96, sequenceNumber: seq, timestamp: ts, ssrc: 1, marker, payload }).encode();
    const wrongVersion = rtp(1, 0, true, Buffer.from([0x65, 1, 2, 3]));
    wrongVersion[0] = (wrongVersion[0]! & 0x3f) | (1 << 6);
    // FU-A (type 28) start of an IDR (type 5), then a packet of the next picture: the IDR never ends.
    const fuStart = rtp(2, 3000, false, Buffer.from([0x7c, 0x85, 9, 9, 9]));
    const next = rtp(3, 6000, true, Buffer.from([0x41, 1, 2, 3]));
    raw.write(Buffer.concat([interleave(wrongVersion), interleave(Buffer.alloc(3)), interleave(fuStart), interleave(next)]));
    assert.equal((await raw.request('GET_PARAMETER', url(path), { Session: session })).statusCode, 200);
    assert.equal(h.registry.get(path)?.stats.framesIn ?? 0, 1, 'only the complete non-IDR picture went through');
    assert.equal((await raw.request('TEARDOWN', url(path), { Session: session })).statusCode, 200);
    raw.destroy();
    await readerAlive();
  });
});
