/**
 * The RTMPS and RTSPS listeners in-process on 127.0.0.1 port 0, with a certificate made at test time:
 * admission happens on the TCP connection before any TLS work (the per-IP cap refuses a socket that
 * never starts TLS), the first-request deadline bounds a TLS handshake that never comes or stops
 * half-way, a peer that resets mid-handshake closes only itself, and our own RTMP and RTSP clients
 * publish and play over rtmps:// and rtsps:// verifying the certificate (and refuse an untrusted one).
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { RtmpClient } from '../../../../src/rtmp/client/rtmp-client.ts';
import { startRtspPlayer } from '../../../../src/rtsp/client/rtsp-player.ts';
import { startRtmpListener, type RtmpListener } from '../../../../src/rtmp/server/rtmp-listener.ts';
import { startRtspListener, type RtspListener } from '../../../../src/rtsp/server/rtsp-listener.ts';
import { TlsCertificate } from '../../../../src/net/tls-certificate.ts';
import { createLogger } from '../../../../src/log/logger.ts';
import { StreamRegistry } from '../../../../src/streams/registry.ts';
import type { Frame } from '../../../../protocols/media/frame.ts';
import { waitFor } from '../../../helpers/server.ts';
import { destroyAllPeers, rawPeer } from '../../../helpers/raw-peer.ts';
import { makeTestCertificate, opensslMissing, type TestCertificate } from '../../../helpers/tls-cert.ts';
import { au, H264_IDR, H264_PPS, H264_SPS } from '../../protocols/flv/fixtures.ts';

const log = createLogger('silent');
const skip = opensslMissing() ?? false;

/** The first bytes of a TLS ClientHello record (handshake, TLS 1.0 record version, length 512): a handshake that stops there. */
const PARTIAL_CLIENT_HELLO = Buffer.from('160301020001', 'hex');

describe('TLS listeners in-process', { timeout: 60_000 }, () => {
  let pem: TestCertificate;
  let cert: TlsCertificate;
  const registry = new StreamRegistry('raw', { unpublishedGraceMs: 200 });
  let rtmps: RtmpListener;
  let rtsps: RtspListener;
  const clients: RtmpClient[] = [];

  before(async () => {
    if (skip !== false) return;
    pem = makeTestCertificate();
    cert = await TlsCertificate.open({ certFile: pem.certFile, keyFile: pem.keyFile, watchIntervalMs: 60_000, log });
    const limits = { firstRequestTimeoutMs: 400, authoriseTimeoutMs: 5000, maxConnectionsPerIp: 3 };
    rtmps = await startRtmpListener({ port: 0, host: '127.0.0.1', tls: cert, ...limits }, { registry, log });
    rtsps = await startRtspListener({ port: 0, host: '127.0.0.1', tls: cert, ...limits }, { registry, log });
  });
  afterEach(() => destroyAllPeers());
  after(async () => {
    if (skip !== false) return;
    for (const c of clients) c.close();
    await rtmps.close();
    await rtsps.close();
    cert.close();
    registry.close();
  });

  it('serves no UDP on RTSPS', { skip }, () => {
    assert.equal(rtsps.udpPorts, null);
  });

  for (const which of ['rtmps', 'rtsps'] as const) {
    it(`${which}: a socket that never starts TLS, and one that stops mid-ClientHello, are closed after firstRequestTimeoutMs`, { skip }, async () => {
      const port = which === 'rtmps' ? rtmps.port : rtsps.port;
      const silent = rawPeer(port, '127.0.0.2');
      const partial = rawPeer(port, '127.0.0.2');
      await partial.ready;
      partial.write(PARTIAL_CLIENT_HELLO);
      const [a, b] = await Promise.all([silent.closed, partial.closed]);
      assert.ok(a >= 300 && a < 4000, `silent closed after ${a} ms`);
      assert.ok(b >= 300 && b < 4000, `half handshake closed after ${b} ms`);
    });

    it(`${which}: the per-IP cap counts TCP connections before TLS: a 4th from 127.0.0.3 is refused at once`, { skip }, async () => {
      const port = which === 'rtmps' ? rtmps.port : rtsps.port;
      const held = [0, 1, 2].map(() => rawPeer(port, '127.0.0.3'));
      await Promise.all(held.map((p) => p.ready));
      await new Promise((r) => setTimeout(r, 50)); // the server accepted them
      const fourth = rawPeer(port, '127.0.0.3');
      const t = await fourth.closed;
      assert.ok(t < 300, `refused after ${t} ms (before the deadline of the others)`);
      assert.ok(held.every((p) => !p.isClosed), 'the first three are still open');
    });
  }

  it('a peer that resets mid-handshake closes only itself; our clients publish over rtmps:// and play over rtmps:// and rtsps://, verifying the certificate', { skip }, async () => {
    for (const port of [rtmps.port, rtsps.port]) {
      const s = net.connect(port, '127.0.0.1');
      await new Promise<void>((r) => s.once('connect', () => r()));
      s.write(PARTIAL_CLIENT_HELLO);
      s.resetAndDestroy();
    }
    const tls = { ca: pem.certPem };
    const path = 'site1/tls';
    const pub = await new Promise<RtmpClient>((resolve, reject) => {
      const c = RtmpClient.publish(`rtmps://127.0.0.1:${rtmps.port}/${path}`, { onStarted: () => resolve(c), onClose: (e) => reject(e ?? new Error('publisher closed')) }, { tls });
      clients.push(c);
      c.setDescription({ video: { codec: 'h264', sps: H264_SPS, pps: H264_PPS } });
    });
    const rtmpFrames: Frame[] = [];
    let playerClosed: Error | null | undefined;
    const rtspFrames: Frame[] = [];
    let dts = 0;
    const feed = setInterval(() => {
      pub.pushFrame({ track: 'video', dts, pts: dts, keyframe: true, payload: au(H264_IDR) });
      dts += 40;
    }, 40);
    try {
      await waitFor(() => registry.get(path)?.live === true, 5000, 'published over RTMPS', 20);
      const player = RtmpClient.play(`rtmps://127.0.0.1:${rtmps.port}/${path}`, { onFrame: (f) => rtmpFrames.push(f), onClose: (e) => (playerClosed = e) }, { tls });
      clients.push(player);
      const rtsp = await startRtspPlayer({ url: `rtsps://127.0.0.1:${rtsps.port}/${path}`, tls, connectTimeoutMs: 5000, responseTimeoutMs: 5000 }, { onDescription: () => {}, onFrame: (f) => rtspFrames.push(f) });
      try {
        await waitFor(() => rtmpFrames.length >= 5 && rtspFrames.length >= 5, 10_000, 'frames over rtmps:// and rtsps://', 20).catch((e: Error) => assert.fail(`${e.message}: rtmp ${rtmpFrames.length} (closed: ${String(playerClosed)}), rtsp ${rtspFrames.length}`));
      } finally {
        await rtsp.close();
      }
      // Without the CA, the same certificate is refused by our clients (they verify by default).
      await assert.rejects(startRtspPlayer({ url: `rtsps://127.0.0.1:${rtsps.port}/${path}`, connectTimeoutMs: 5000 }, { onDescription: () => {}, onFrame: () => {} }), /self.signed|certificate/i);
      await assert.rejects(startRtspPlayer({ url: `rtsps://127.0.0.1:${rtsps.port}/${path}`, transport: 'udp', tls }, { onDescription: () => {}, onFrame: () => {} }), /TCP only/);
    } finally {
      clearInterval(feed);
    }
  });
});
