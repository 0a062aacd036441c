/**
 * Pulled cameras over TLS: rtsps:// (gst-rtsp-server behind a TLS proxy) and rtmps:// (Cupola's own
 * RTMP behind a TLS proxy). The pulling node trusts the test certificate through NODE_EXTRA_CA_CERTS;
 * a source behind an untrusted certificate fails with the certificate error shown.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readWithFfmpeg } from '../helpers/ffmpeg.ts';
import { gstCameraSkipReason, killAllGstCameras, startGstCamera, type GstCamera } from '../helpers/gst-rtsp-camera.ts';
import { startServer, stopAllServers, waitFor, type ServerProcess } from '../helpers/server.ts';
import { opensslSkipReason, selfSignedCert, startTlsProxy, type TlsProxy } from '../helpers/tls-proxy.ts';

const skipReason = gstCameraSkipReason() ?? opensslSkipReason();
// skipped per test, not per suite: node:test's summary counts skipped tests only
const skip = skipReason ?? false;
if (skipReason !== null) console.log(`# skipping the TLS source tests: ${skipReason}`);

interface SourceStatus {
  state: string;
  lastError?: string;
  scheme: string;
}

async function add(server: ServerProcess, id: string, source: string): Promise<void> {
  const r = await fetch(server.apiUrl('/api/v1/cameras'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, source }) });
  assert.equal(r.status, 201, await r.text());
}

async function status(server: ServerProcess, id: string): Promise<SourceStatus | null> {
  const r = await fetch(server.apiUrl(`/api/v1/sources/${id}`));
  return r.ok ? ((await r.json()) as SourceStatus) : null;
}

describe('pulled cameras over TLS (rtsps://, rtmps://)', { timeout: 180_000 }, () => {
  let cam: GstCamera;
  let server: ServerProcess;
  const proxies: TlsProxy[] = [];

  before(async () => {
    if (skip !== false) return;
    const trusted = selfSignedCert();
    cam = await startGstCamera({ protocols: 'tcp' });
    server = await startServer({ args: ['--no-compress'], env: { NODE_EXTRA_CA_CERTS: trusted.certPath } });
    proxies.push(await startTlsProxy(trusted, cam.port), await startTlsProxy(trusted, server.ports.rtmp), await startTlsProxy(selfSignedCert(), cam.port));
  });

  after(async () => {
    if (skip !== false) return;
    await Promise.all(proxies.map((p) => p.close()));
    await stopAllServers();
    await killAllGstCameras();
  });

  it('rtsps:// (TLS, media interleaved) is pulled and served', { skip }, async () => {
    await add(server, 'site1/rtsps', `rtsps://127.0.0.1:${proxies[0]!.port}/cam`);
    await waitFor(async () => (await status(server, 'site1/rtsps'))?.state === 'live', 30_000, 'rtsps source live');
    const read = await readWithFfmpeg(server.rtspUrl('site1/rtsps'), { frames: 10, timeoutMs: 30_000, inputArgs: ['-rtsp_transport', 'tcp'] });
    assert.ok(read.videoFrames >= 10, `decoded ${read.videoFrames} frames:\n${read.stderr.slice(-1500)}`);
  });

  it('rtmps:// is pulled (Cupola reading its own RTMP through TLS)', { skip }, async () => {
    await add(server, 'site1/rtmps', `rtmps://127.0.0.1:${proxies[1]!.port}/site1/rtsps`);
    await waitFor(async () => (await status(server, 'site1/rtmps'))?.state === 'live', 30_000, 'rtmps source live');
    const read = await readWithFfmpeg(server.rtmpUrl('site1/rtmps'), { frames: 10, timeoutMs: 30_000 });
    assert.ok(read.videoFrames >= 10, `decoded ${read.videoFrames} frames:\n${read.stderr.slice(-1500)}`);
  });

  it('an untrusted certificate fails the source with the reason shown', { skip }, async () => {
    await add(server, 'site1/untrusted', `rtsps://127.0.0.1:${proxies[2]!.port}/cam`);
    const failed = await waitFor(async () => {
      const s = await status(server, 'site1/untrusted');
      return s?.state === 'failed' ? s : null;
    }, 30_000, 'untrusted source failed');
    assert.match(failed.lastError ?? '', /certificate/i);
  });
});
