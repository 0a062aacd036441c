/**
 * Master failover of a pulled camera (issue 13, `sources.failover`): a slave pulls a gst-rtsp-server
 * camera, the master replicates it; when the slave is killed the master pulls the camera's source
 * itself (ffmpeg reads frames from the master), and when the slave returns on its ports the master
 * hands the camera back and replicates the slave's copy again.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readWithFfmpeg } from '../helpers/ffmpeg.ts';
import { gstCameraSkipReason, killAllGstCameras, startGstCamera, type GstCamera } from '../helpers/gst-rtsp-camera.ts';
import { startServer, stopAllServers, waitFor, type ServerProcess } from '../helpers/server.ts';

const CAMERA = 'site1/pulled';
const skipReason = gstCameraSkipReason();
// skipped per test, not per suite: node:test's summary counts skipped tests only
const skip = skipReason ?? false;
if (skipReason !== null) console.log(`# skipping the source failover test: ${skipReason}`);

async function getJson<T>(server: ServerProcess, path: string): Promise<T | null> {
  const r = await fetch(server.apiUrl(path));
  return r.ok ? ((await r.json()) as T) : null;
}

async function publisherKind(server: ServerProcess): Promise<string | null> {
  const body = await getJson<{ items: { path: string; publisher: { kind: string } | null }[] }>(server, '/api/v1/streams?factory=raw');
  return body?.items.find((s) => s.path === CAMERA)?.publisher?.kind ?? null;
}

async function sourceState(server: ServerProcess): Promise<string | null> {
  return (await getJson<{ state: string }>(server, `/api/v1/sources/${CAMERA}`))?.state ?? null;
}

describe('master failover of a pulled camera', { timeout: 240_000 }, () => {
  let cam: GstCamera;
  let slave: ServerProcess;
  let master: ServerProcess;
  const dir = mkdtempSync(join(tmpdir(), 'cupola-srcfail-'));
  const masterConfig = join(dir, 'master.json');
  const slaveConfig = join(dir, 'slave.json');

  before(async () => {
    if (skip !== false) return;
    writeFileSync(slaveConfig, JSON.stringify({ sources: { backoffInitialMs: 200, backoffMaxMs: 1000 } }));
    writeFileSync(masterConfig, JSON.stringify({ sources: { failover: true, failoverAfterMs: 1500, backoffInitialMs: 200, backoffMaxMs: 1000 }, replication: { pollIntervalMs: 300 } }));
    cam = await startGstCamera({ protocols: 'tcp' });
    slave = await startServer({ role: 'slave', args: ['--no-compress', '--config', slaveConfig] });
    master = await startServer({ role: 'master', args: ['--no-compress', '--config', masterConfig, '--upstream', slave.apiUrl('')] });
    // The catalog is shared in production (MongoDB); here each node gets the camera through its API.
    for (const node of [slave, master]) {
      const r = await fetch(node.apiUrl('/api/v1/cameras'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: CAMERA, source: cam.url, sourceTransport: 'tcp' }),
      });
      assert.equal(r.status, 201, await r.text());
    }
  });

  after(async () => {
    if (skip !== false) return;
    await stopAllServers();
    await killAllGstCameras();
  });

  it('replicates the slave\'s pull, pulls the source itself while the slave is down, hands back when it returns', { skip }, async () => {
    await waitFor(async () => (await sourceState(slave)) === 'live', 30_000, 'the slave pulling the camera');
    await waitFor(async () => (await publisherKind(master)) === 'replication', 30_000, 'the master replicating it');
    assert.equal(await sourceState(master), 'idle', 'the master does not pull while the slave does');

    const old = slave.ports;
    const dataDir = slave.dataDir;
    await slave.kill();
    await waitFor(async () => (await sourceState(master)) === 'live', 30_000, 'the master pulling the camera itself');
    assert.equal(await publisherKind(master), 'source');
    const read = await readWithFfmpeg(master.rtspUrl(CAMERA), { frames: 10, timeoutMs: 30_000, inputArgs: ['-rtsp_transport', 'tcp'] });
    assert.ok(read.videoFrames >= 10, `read ${read.videoFrames} frames from the master during the failover:\n${read.stderr.slice(-1500)}`);
    assert.match(master.logs(), /source failover: the slave that pulls this camera is unreachable/);

    // The slave returns on its ports (the master's --upstream URL stays right).
    slave = await startServer({
      role: 'slave',
      dataDir,
      args: ['--no-compress', '--config', slaveConfig, '--api-port', String(old.api), '--rtmp-port', String(old.rtmp), '--rtsp-port', String(old.rtsp), '--compressed-rtsp-port', String(old.compressedRtsp)],
    });
    await waitFor(async () => (await sourceState(master)) === 'idle', 30_000, 'the master handing the camera back');
    await waitFor(async () => (await publisherKind(master)) === 'replication', 30_000, 'the master replicating the slave again');
    assert.match(master.logs(), /source failover ended: the slave is back/);
  });
});
