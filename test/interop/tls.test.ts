/**
 * TLS listeners against `cupola serve` with a certificate made at test time (openssl): the bundled
 * ffmpeg 4.1 (@ffmpeg-installer; its build lists the tls, rtmps and https protocols and its RTSP
 * demuxer speaks rtsps://, so Debian's ffmpeg is not needed) publishes rtmps://, reads rtsps:// and
 * rtmps:// back, and pushes to Factory 2 over rtsps://. RTSPS refuses UDP transport (461), a
 * plain-text client on a TLS port is closed alone, and a renewed certificate is served to new
 * connections of every TLS listener (RTMPS, RTSPS, HTTPS) without a restart.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { decoderErrors, ffmpegPath, killAllFfmpeg, readWithFfmpeg, runFfmpeg, syntheticCameraArgs, type FfmpegRun } from '../helpers/ffmpeg.ts';
import { startServer, stopAllServers, waitFor, type ServerProcess } from '../helpers/server.ts';
import { makeTestCertificate, opensslMissing, renewTestCertificate, type TestCertificate } from '../helpers/tls-cert.ts';
import { RawRtspConnection } from './raw-rtsp-connection.ts';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Why this suite cannot run here, or null. */
function skipReason(): string | null {
  const openssl = opensslMissing();
  if (openssl !== null) return openssl;
  const protocols = spawnSync(ffmpegPath, ['-hide_banner', '-protocols'], { encoding: 'utf8' }).stdout ?? '';
  if (!/\brtmps\b/.test(protocols) || !/\btls\b/.test(protocols)) return `the bundled ffmpeg (${ffmpegPath}) was built without tls/rtmps`;
  return null;
}
const skip = skipReason() ?? false;

/** GET over HTTPS trusting exactly the test certificate; resolves with status, body and the peer's fingerprint. */
function httpsGet(url: string, ca: string): Promise<{ status: number; body: string; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, agent: false, timeout: 5000 }, (res) => {
      const fingerprint = (res.socket as tls.TLSSocket).getPeerCertificate().fingerprint256;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, fingerprint }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/** The certificate a TLS listener presents to a new connection (verified against `ca`). */
function peerFingerprint(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ port, host: '127.0.0.1', ca, servername: 'localhost' }, () => {
      const fp = s.getPeerCertificate().fingerprint256;
      s.destroy();
      resolve(fp);
    });
    s.setTimeout(5000, () => s.destroy(new Error('TLS handshake timed out')));
    s.on('error', reject);
  });
}

/** Factory 2 takes remote pushes only with its push credentials (security 17.1), for catalog cameras. */
const PUSH = { user: 'compressor', pass: 'push-secret-14' };

describe('TLS listeners (RTMPS, RTSPS, HTTPS)', { timeout: 240_000 }, () => {
  let server: ServerProcess;
  let cert: TestCertificate;
  let pub: FfmpegRun;
  // Cameras of the embedded default catalog (auto-registration is off once factory auth is set).
  const CAM = 'site1/cam1';
  const rtmps = (p: string): string => `rtmps://127.0.0.1:${server.ports.rtmps}/${p}`;
  const rtsps = (p: string, port = server.ports.rtsps): string => `rtsps://127.0.0.1:${port}/${p}`;
  const api = (p: string): string => `https://127.0.0.1:${server.ports.api}${p}`;

  before(async () => {
    if (skip !== false) return;
    cert = makeTestCertificate();
    const config = join(mkdtempSync(join(tmpdir(), 'cupola-tls-settings-')), 'settings.json');
    writeFileSync(config, JSON.stringify({ factories: { compressed: { auth: { publish: PUSH } } } }));
    server = await startServer({
      args: [
        '--no-compress', '--config', config, '--advertise-host', 'cams.example.org',
        '--rtmps-port', '0', '--rtsps-port', '0', '--compressed-rtsps-port', '0', '--https',
        '--tls-cert', cert.certFile, '--tls-key', cert.keyFile,
      ],
    });
    pub = runFfmpeg(['-loglevel', 'error', ...syntheticCameraArgs(rtmps(CAM), { seconds: 120, gop: 25 })]);
    await waitFor(async () => (await httpsGet(api('/api/v1/streams'), cert.certPem)).body.includes(CAM), 20_000, `${CAM} published over RTMPS`);
  });

  after(async () => {
    await killAllFfmpeg();
    await stopAllServers();
  });

  it('announces rtmps, rtsps and compressedRtsps in the listening line', { skip }, () => {
    for (const k of ['rtmps', 'rtsps', 'compressedRtsps'] as const) {
      const port = server.ports[k];
      assert.ok(typeof port === 'number' && port > 0, `${k}: ${String(port)}`);
    }
    assert.deepEqual(server.ports.down, []);
  });

  it('ffmpeg published over rtmps:// and reads it back over rtsps:// (TCP interleaved) and rtmps://, and plain rtsp:// still serves it', { skip }, async () => {
    for (const url of [rtsps(CAM), rtmps(CAM), server.rtspUrl(CAM)]) {
      const r = await readWithFfmpeg(url, { frames: 50, timeoutMs: 25_000 });
      assert.equal(r.codec, 'h264', `${url}: ${r.stderr.slice(-1500)}`);
      assert.equal(r.width, 320);
      assert.ok(r.videoFrames >= 50, `${url}: ${r.videoFrames} frames`);
      assert.deepEqual(decoderErrors(r.stderr), [], `${url}: decoder errors`);
    }
  });

  it('ffmpeg pushes to Factory 2 over rtsps:// (ANNOUNCE/RECORD) and reads it back over rtsps://', { skip }, async () => {
    const path = 'site1/cam2';
    const pushUrl = rtsps(path, server.ports.compressedRtsps).replace('rtsps://', `rtsps://${PUSH.user}:${PUSH.pass}@`);
    const push = runFfmpeg(['-loglevel', 'error', ...syntheticCameraArgs(pushUrl, { format: 'rtsp', seconds: 60, gop: 25, audio: false })]);
    try {
      await waitFor(async () => (await httpsGet(api('/api/v1/streams?factory=compressed'), cert.certPem)).body.includes(path), 20_000, `${path} pushed over RTSPS`);
      const r = await readWithFfmpeg(rtsps(path, server.ports.compressedRtsps), { frames: 30, timeoutMs: 25_000 });
      assert.ok(r.videoFrames >= 30, `${r.videoFrames} frames; ${r.stderr.slice(-1500)}`);
    } finally {
      await push.stop();
    }
  });

  it('RTSPS answers a SETUP asking for UDP with 461 Unsupported Transport (UDP RTP would be in the clear) and plays TCP interleaved', { skip }, async () => {
    const c = new RawRtspConnection(server.ports.rtsps!, { tls: true });
    try {
      const uri = rtsps(CAM);
      const describe = await c.request('DESCRIBE', uri, { Accept: 'application/sdp' });
      assert.equal(describe.statusCode, 200);
      const control = /a=control:(\S+)/.exec(describe.body.toString('utf8').split('m=video')[1] ?? '')?.[1] ?? 'trackID=0';
      const track = control.startsWith('rtsp') ? control : `${uri}/${control}`;
      const udp = await c.request('SETUP', track, { Transport: 'RTP/AVP;unicast;client_port=50000-50001' });
      assert.equal(udp.statusCode, 461, 'UDP over RTSPS refused');
      const tcp = await c.request('SETUP', track, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' });
      assert.equal(tcp.statusCode, 200);
    } finally {
      c.destroy();
    }
  });

  it('a plain-text client on a TLS port is closed; the TLS readers and the publisher go on', { skip }, async () => {
    for (const port of [server.ports.rtmps!, server.ports.rtsps!]) {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => {});
      s.write('OPTIONS rtsp://127.0.0.1/ RTSP/1.0\r\nCSeq: 1\r\n\r\n');
      const closed = await Promise.race([new Promise<boolean>((r) => s.on('close', () => r(true))), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000).unref())]);
      s.destroy();
      assert.ok(closed, `plain text on TLS port ${port} is closed`);
    }
    const r = await readWithFfmpeg(rtsps(CAM), { frames: 25, timeoutMs: 20_000 });
    assert.ok(r.videoFrames >= 25, `${r.videoFrames} frames after the bad clients`);
  });

  it('advertised URLs use rtmps:// and rtsps:// with the TLS ports; internal ones stay plain', { skip }, async () => {
    const res = await httpsGet(api(`/api/v1/cameras/${CAM}/urls`), cert.certPem);
    assert.equal(res.status, 200, res.body);
    const urls = JSON.parse(res.body) as { nodes: { rtmpIngest: { internal: string; advertised: string }; rtspRaw: { internal: string; advertised: string }; rtspCompressed: { advertised: string } }[] };
    const self = urls.nodes[0]!;
    assert.equal(self.rtmpIngest.advertised, `rtmps://cams.example.org:${server.ports.rtmps}/${CAM}`);
    assert.equal(self.rtspRaw.advertised, `rtsps://cams.example.org:${server.ports.rtsps}/${CAM}`);
    assert.equal(self.rtspCompressed.advertised, `rtsps://cams.example.org:${server.ports.compressedRtsps}/${CAM}`);
    assert.equal(self.rtspRaw.internal, server.rtspUrl(CAM));
    const node = JSON.parse((await httpsGet(api('/api/v1/node'), cert.certPem)).body) as { ports: Record<string, number> };
    assert.equal(node.ports.rtmps, server.ports.rtmps);
    assert.equal(node.ports.rtspsRaw, server.ports.rtsps);
    assert.equal(node.ports.rtspsCompressed, server.ports.compressedRtsps);
  });

  it('/metrics (over HTTPS) counts the TLS listeners apart: protocol rtmps and rtsps', { skip }, async () => {
    const m = await httpsGet(api('/metrics'), cert.certPem);
    assert.equal(m.status, 200);
    assert.match(m.body, /cupola_connections_total\{[^}]*protocol="rtmps"[^}]*\} [1-9]/);
    assert.match(m.body, /cupola_connections_total\{[^}]*protocol="rtsps"[^}]*factory="raw"[^}]*\} [1-9]/);
  });

  it('a renewed certificate (files replaced) is served by RTMPS, RTSPS and HTTPS to new connections without a restart', { skip }, async () => {
    const ports = [server.ports.rtmps!, server.ports.rtsps!, server.ports.compressedRtsps!, server.ports.api];
    for (const p of ports) assert.equal(await peerFingerprint(p, cert.certPem), cert.fingerprint256, `port ${p} before renewal`);
    const renewed = renewTestCertificate(cert, 'renewed.localhost');
    assert.notEqual(renewed.fingerprint256, cert.fingerprint256);
    for (const p of ports) {
      await waitFor(async () => (await peerFingerprint(p, renewed.certPem).catch(() => '')) === renewed.fingerprint256, 20_000, `port ${p} serving the renewed certificate`);
    }
    assert.equal(server.proc.exitCode, null, 'same process');
    assert.match(server.logs(), /TLS certificate reloaded/);
    // The publisher connected before the renewal is still flowing; new readers get the stream.
    const r = await readWithFfmpeg(rtsps(CAM), { frames: 25, timeoutMs: 20_000 });
    assert.ok(r.videoFrames >= 25, `${r.videoFrames} frames after the renewal`);
    assert.equal(pub.proc.exitCode, null, 'the RTMPS publisher from before the renewal is still connected');
    const api2 = await httpsGet(api('/api/v1/node'), renewed.certPem);
    assert.equal(api2.status, 200);
    cert = renewed;
  });
});
