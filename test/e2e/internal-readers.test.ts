/**
 * Issue 16.5: Cupola's own consumers are not viewers. A slave compressing one camera and a master
 * replicating it: with nobody watching, the slave's raw stream has two readers of protocol
 * `internal` (its compression ffmpeg, the master's RTMP pull) and its compressed stream one (the
 * master's RTSP pull), zero viewers — in the API and in `cupola_readers`. A real viewer then counts
 * as `rtsp`, and the internal count stays.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { killAllFfmpeg, runFfmpeg, syntheticCameraArgs } from '../helpers/ffmpeg.ts';
import { startServer, stopAllServers, waitFor, type ServerProcess } from '../helpers/server.ts';
import { parsePrometheusText } from '../unit/src/metrics/prom-text.ts';

const CAM = 'site1/cam1';

interface StreamItem {
  factory: string;
  path: string;
  publisher: unknown;
  readers: Record<string, number>;
  viewers: number;
  internalReaders: number;
}

async function stream(server: ServerProcess, factory: string): Promise<StreamItem | undefined> {
  const res = await fetch(server.apiUrl(`/api/v1/streams?factory=${factory}`), { signal: AbortSignal.timeout(3000) });
  return ((await res.json()) as { items: StreamItem[] }).items.find((s) => s.path === CAM && s.publisher !== null);
}

async function readersMetric(server: ServerProcess): Promise<Record<string, number>> {
  const text = await (await fetch(server.apiUrl('/metrics'), { signal: AbortSignal.timeout(3000) })).text();
  const out: Record<string, number> = {};
  for (const s of parsePrometheusText(text).samples) if (s.name === 'cupola_readers') out[`${s.labels.factory}/${s.labels.protocol}`] = s.value;
  return out;
}

describe('internal readers', { timeout: 180_000 }, () => {
  after(async () => {
    await killAllFfmpeg();
    await stopAllServers();
  });

  it('counts compression and replication inputs as internal, viewers apart', async () => {
    const slave = await startServer();
    const master = await startServer({ role: 'master', args: ['--upstream', `http://127.0.0.1:${slave.ports.api}`] });
    runFfmpeg(syntheticCameraArgs(slave.rtmpUrl(CAM), { size: '320x240', fps: 15, gop: 15, audio: false }));

    // Compression input + the master's RTMP pull on raw; the master's RTSP pull on compressed.
    const raw = await waitFor(async () => {
      const s = await stream(slave, 'raw');
      return s?.internalReaders === 2 ? s : undefined;
    }, 90_000, `2 internal readers of the slave's raw stream (slave logs: ${slave.logs().slice(-1500)})`, 250);
    assert.deepEqual(raw.readers, { internal: 2 });
    assert.equal(raw.viewers, 0);
    const comp = await waitFor(async () => {
      const s = await stream(slave, 'compressed');
      return s?.internalReaders === 1 ? s : undefined;
    }, 60_000, "the master's pull of the compressed stream", 250);
    assert.deepEqual(comp.readers, { internal: 1 });
    assert.equal(comp.viewers, 0);
    const m = await readersMetric(slave);
    assert.equal(m['raw/internal'], 2);
    assert.equal(m['compressed/internal'], 1);
    assert.equal(m['raw/rtsp'] ?? 0, 0);
    assert.equal(m['raw/rtmp'] ?? 0, 0);
    assert.equal(m['compressed/rtsp'] ?? 0, 0);

    // A real viewer of the raw RTSP URL.
    const viewer = runFfmpeg(['-rtsp_transport', 'tcp', '-i', slave.rtspUrl(CAM), '-t', '30', '-f', 'null', '-']);
    const watched = await waitFor(async () => {
      const s = await stream(slave, 'raw');
      return s?.viewers === 1 ? s : undefined;
    }, 30_000, 'the viewer counted', 250);
    assert.deepEqual(watched.readers, { internal: 2, rtsp: 1 });
    assert.equal((await readersMetric(slave))['raw/rtsp'], 1);
    await viewer.stop();
  });
});
