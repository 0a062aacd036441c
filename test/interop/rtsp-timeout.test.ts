/**
 * Session timeout: a reader that sends nothing (no keepalive, no RTCP) past the announced timeout
 * loses its session and its connection; a reader that keeps alive stays.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { RtspMessageReader } from '../../protocols/rtsp/message/message-reader.ts';
import type { RtspResponse } from '../../protocols/rtsp/message/rtsp-message.ts';
import { startRtspPlayer } from '../../src/rtsp/client/rtsp-player.ts';
import { killAllFfmpeg, runFfmpeg, syntheticCameraArgs } from '../helpers/ffmpeg.ts';
import { startRtspHarness, waitLive, type RtspHarness } from './rtsp-harness.ts';

describe('RTSP session timeout', { timeout: 60_000 }, () => {
  let h: RtspHarness;
  const CAM = 'site1/cam1';
  before(async () => {
    h = await startRtspHarness({ sessionTimeoutSec: 1 });
    runFfmpeg(syntheticCameraArgs(h.url(CAM), { format: 'rtsp', seconds: 30, gop: 25, audio: false }));
    await waitLive(h.registry, CAM, 15_000);
  });
  after(async () => {
    await killAllFfmpeg();
    await h.close();
  });

  it('a silent reader is dropped after the timeout; a keepalive-sending client stays', async () => {
    const keeper = await startRtspPlayer({ url: h.url(CAM) }, { onDescription: () => {}, onFrame: () => {} });
    const socket = net.connect(h.listener.port, '127.0.0.1');
    const responses: RtspResponse[] = [];
    const reader = new RtspMessageReader((i) => {
      if (i.kind === 'response') responses.push(i);
    });
    socket.on('data', (d: Buffer) => reader.push(d));
    socket.on('error', () => {});
    const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
    try {
      socket.write(`SETUP ${h.url(CAM)}/trackID=0 RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n`);
      while (responses.length === 0) await new Promise((r) => setTimeout(r, 10));
      assert.equal(responses[0]!.headers.get('Session')?.endsWith(';timeout=1'), true);
      const session = responses[0]!.headers.get('Session')!.split(';')[0];
      socket.write(`PLAY ${h.url(CAM)} RTSP/1.0\r\nCSeq: 2\r\nSession: ${session}\r\n\r\n`);
      const start = Date.now();
      const closedAt = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 5000).unref())]);
      assert.ok(closedAt > 0, 'silent reader was not dropped');
      assert.ok(closedAt - start >= 900, `dropped too early (${closedAt - start} ms)`);
      assert.equal(h.listener.stats.sessionsExpired >= 1, true);
      // The keepalive interval is half the timeout: the other reader is still there.
      assert.equal(h.registry.get(CAM)!.readerCount('rtsp'), 1);
    } finally {
      socket.destroy();
      await keeper.close();
    }
  });
});
