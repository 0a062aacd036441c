/**
 * The master replicates over TLS when the slave offers it, with separate `cupola serve` processes,
 * the bundled ffmpeg 4.1 (built with tls/rtmps; its RTSP demuxer/muxer speak rtsps://) and a
 * certificate made at test time: the slave serves RTMPS, RTSPS (both factories) and HTTPS; a camera
 * publishes rtmps://, a stand-in compressor reads rtsps:// and pushes Factory 2 over rtsps://; the
 * master, trusting the slave's certificate (--upstream-tls-ca), follows its HTTPS API and WSS events
 * and pulls Factory 1 over rtmps:// and Factory 2 over rtsps://. A master that does not trust the
 * certificate gets nothing (the certificate is really checked).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffmpegPath, killAllFfmpeg, readWithFfmpeg, runFfmpeg, syntheticCameraArgs } from '../helpers/ffmpeg.ts';
import { startServer, stopAllServers, waitFor, type ServerProcess } from '../helpers/server.ts';
import { makeTestCertificate, opensslMissing, type TestCertificate } from '../helpers/tls-cert.ts';

const CAM = 'site1/cam1';
/** The slave's Factory 2 push credentials (remote pushes need some: security 17.1). */
const PUSH = { user: 'compressor', pass: 'push-secret-14' };

function skipReason(): string | null {
  const openssl = opensslMissing();
  if (openssl !== null) return openssl;
  const protocols = spawnSync(ffmpegPath, ['-hide_banner', '-protocols'], { encoding: 'utf8' }).stdout ?? '';
  if (!/\brtmps\b/.test(protocols) || !/\btls\b/.test(protocols)) return `the bundled ffmpeg (${ffmpegPath}) was built without tls/rtmps`;
  return null;
}
const skip = skipReason() ?? false;

function httpsJson<T>(url: string, ca: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, agent: false, timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as T);
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

interface PullItem {
  factory: string;
  path: string;
  url: string;
  state: string;
  frames: number;
}
interface Replication {
  items: PullItem[];
  upstreams: { id: string; reachable: boolean }[];
}

async function replication(master: ServerProcess): Promise<Replication> {
  const res = await fetch(master.apiUrl('/api/v1/replication'), { signal: AbortSignal.timeout(3000) });
  return (await res.json()) as Replication;
}

describe('master replicating from a slave that offers TLS', { timeout: 180_000 }, () => {
  let cert: TestCertificate;
  let slave: ServerProcess;
  let master: ServerProcess;

  before(async () => {
    if (skip !== false) return;
    cert = makeTestCertificate();
    const config = join(mkdtempSync(join(tmpdir(), 'cupola-repl-tls-')), 'settings.json');
    writeFileSync(config, JSON.stringify({ factories: { compressed: { auth: { publish: PUSH } } } }));
    slave = await startServer({
      args: ['--no-compress', '--config', config, '--https', '--rtmps-port', '0', '--rtsps-port', '0', '--compressed-rtsps-port', '0', '--tls-cert', cert.certFile, '--tls-key', cert.keyFile],
    });
    const p = slave.ports;
    runFfmpeg(['-loglevel', 'error', ...syntheticCameraArgs(`rtmps://127.0.0.1:${p.rtmps}/${CAM}`, { gop: 25, bitrateK: 400 })]);
    const slaveApi = `https://127.0.0.1:${p.api}`;
    await waitFor(async () => (await httpsJson<{ items: { path: string }[] }>(`${slaveApi}/api/v1/streams?factory=raw`, cert.certPem)).items.some((s) => s.path === CAM), 20_000, 'camera live on the slave');
    // The 3-machine layout's compressor, stood in by ffmpeg over RTSPS both ways.
    runFfmpeg(['-loglevel', 'error', '-i', `rtsps://127.0.0.1:${p.rtsps}/${CAM}`, '-c', 'copy', '-f', 'rtsp', `rtsps://${PUSH.user}:${PUSH.pass}@127.0.0.1:${p.compressedRtsps}/${CAM}`]);
    await waitFor(async () => (await httpsJson<{ items: { path: string }[] }>(`${slaveApi}/api/v1/streams?factory=compressed`, cert.certPem)).items.some((s) => s.path === CAM), 20_000, 'compressed feed live on the slave');
    master = await startServer({ role: 'master', args: ['--no-compress', '--upstream', slaveApi, '--upstream-tls-ca', cert.certFile] });
  });

  after(async () => {
    await killAllFfmpeg();
    await stopAllServers();
  });

  it('pulls Factory 1 over rtmps:// and Factory 2 over rtsps:// and re-serves both', { skip }, async () => {
    const p = slave.ports;
    const live = await waitFor(async () => {
      const r = await replication(master);
      const raw = r.items.find((i) => i.factory === 'raw' && i.path === CAM);
      const compressed = r.items.find((i) => i.factory === 'compressed' && i.path === CAM);
      return raw?.state === 'live' && compressed?.state === 'live' ? { raw, compressed } : undefined;
    }, 30_000, 'both pulls live on the master', 250);
    assert.equal(live.raw.url, `rtmps://127.0.0.1:${p.rtmps}/${CAM}`);
    assert.equal(live.compressed.url, `rtsps://127.0.0.1:${p.compressedRtsps}/${CAM}`);
    for (const url of [master.rtspUrl(CAM), master.rtspUrl(CAM, 'compressed')]) {
      const r = await readWithFfmpeg(url, { frames: 25, timeoutMs: 20_000 });
      assert.ok(r.videoFrames >= 25, `${url}: ${r.videoFrames} frames; ${r.stderr.slice(-1000)}`);
    }
  });

  it('a master that does not trust the certificate does not reach the slave', { skip }, async () => {
    const untrusting = await startServer({ role: 'master', args: ['--no-compress', '--upstream', `https://127.0.0.1:${slave.ports.api}`] });
    try {
      await waitFor(() => /self.signed|certificate/i.test(untrusting.logs()), 15_000, 'a certificate error in the logs');
      const r = await replication(untrusting);
      assert.equal(r.upstreams[0]?.reachable, false);
      assert.deepEqual(r.items, []);
    } finally {
      await untrusting.stop();
    }
  });
});
