import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metrics, type CompressionSample, type ReplicationSample, type StreamSample } from '../../../../src/metrics/metrics.ts';
import { parsePrometheusText, valueOf } from './prom-text.ts';

function stream(path: string, source: object, bytesIn: number, extra: Partial<StreamSample> = {}): StreamSample {
  return {
    factory: 'raw',
    path,
    source,
    live: true,
    stats: { bytesIn, framesIn: bytesIn / 100, bytesOut: 2 * bytesIn, framesOut: bytesIn / 50, framesDropped: 1, readersEvicted: 0 },
    readers: { rtsp: 2, rtmp: 1 },
    ...extra,
  };
}

describe('Metrics', () => {
  it('renders valid Prometheus text with process metrics and every cupola_ family documented', async () => {
    const m = new Metrics();
    const exp = parsePrometheusText(await m.text());
    assert.ok(exp.types.has('process_cpu_user_seconds_total'));
    assert.ok(exp.types.has('nodejs_eventloop_lag_seconds'));
    for (const [name, type] of exp.types) {
      if (!name.startsWith('cupola_')) continue;
      assert.ok(exp.help.get(name)!.length > 0, `${name} has help`);
      if (type === 'counter') assert.match(name, /_total$/, `${name} is a _total counter`);
    }
    assert.equal(valueOf(exp, 'cupola_streams_live', { factory: 'raw' }), 0);
  });

  it('registers the same default metrics (names, types, help) as prom-client\'s collectDefaultMetrics, in the same order, and counts CPU', async () => {
    const { Registry, collectDefaultMetrics } = await import('prom-client');
    const reference = new Registry();
    collectDefaultMetrics({ register: reference });
    const ref = parsePrometheusText(await reference.metrics());
    const m = new Metrics();
    const ours = parsePrometheusText(await m.text());
    const defaults = [...ours.types].filter(([name]) => !name.startsWith('cupola_'));
    assert.deepEqual(defaults, [...ref.types]);
    for (const [name] of ref.types) assert.equal(ours.help.get(name), ref.help.get(name), `help of ${name}`);
    const burn = Date.now() + 30;
    while (Date.now() < burn); // some CPU between two scrapes
    const again = parsePrometheusText(await m.text());
    const cpu = valueOf(again, 'process_cpu_seconds_total', {}) ?? Number.NaN;
    assert.ok(cpu > 0, `process_cpu_seconds_total ${cpu}`);
    const parts = (valueOf(again, 'process_cpu_user_seconds_total', {}) ?? Number.NaN) + (valueOf(again, 'process_cpu_system_seconds_total', {}) ?? Number.NaN);
    assert.ok(Math.abs(parts - cpu) < 1e-6, `user + system = total (${parts} vs ${cpu})`);
  });

  it('turns stream stats into monotonic counters across a replaced stream object', async () => {
    const m = new Metrics({ defaultMetrics: false });
    const a = {};
    let samples: StreamSample[] = [stream('site1/cam1', a, 1000), stream('site1/cam2', {}, 500, { live: false, readers: {} })];
    m.setSamplers({ streams: () => samples });
    let exp = parsePrometheusText(await m.text());
    assert.equal(valueOf(exp, 'cupola_streams_live', { factory: 'raw' }), 1);
    assert.equal(valueOf(exp, 'cupola_readers', { factory: 'raw', protocol: 'rtsp' }), 2);
    assert.equal(valueOf(exp, 'cupola_stream_received_bytes_total', { path: 'site1/cam1' }), 1000);
    assert.equal(valueOf(exp, 'cupola_factory_bytes_total', { factory: 'raw', direction: 'in' }), 1500);
    assert.equal(valueOf(exp, 'cupola_factory_bytes_total', { factory: 'raw', direction: 'out' }), 3000);

    // cam1 grows, then its Stream object is replaced (counts restart at 0 in the new object).
    samples = [stream('site1/cam1', a, 3000)];
    exp = parsePrometheusText(await m.text());
    assert.equal(valueOf(exp, 'cupola_stream_received_bytes_total', { path: 'site1/cam1' }), 3000);
    samples = [stream('site1/cam1', {}, 200)];
    exp = parsePrometheusText(await m.text());
    assert.equal(valueOf(exp, 'cupola_stream_received_bytes_total', { path: 'site1/cam1' }), 3200);
    assert.equal(valueOf(exp, 'cupola_factory_bytes_total', { factory: 'raw', direction: 'in' }), 3700);
    assert.equal(valueOf(exp, 'cupola_readers', { factory: 'raw', protocol: 'rtmp' }), 1);

    m.forgetCamera('site1/cam2');
    exp = parsePrometheusText(await m.text());
    assert.equal(valueOf(exp, 'cupola_stream_received_bytes_total', { path: 'site1/cam2' }), undefined);
  });

  it('counts events: connections, protocol errors, publish rejections', async () => {
    const m = new Metrics({ defaultMetrics: false });
    m.connectionOpened('rtmp', 'raw');
    m.connectionOpened('rtmp', 'raw');
    m.connectionClosed('rtmp', 'raw');
    m.connectionOpened('rtsp', 'compressed');
    m.protocolError('RTMP_CHUNK_SIZE_INVALID' as never);
    m.publishRejected('raw', 'bad-key');
    const exp = parsePrometheusText(await m.text());
    assert.equal(valueOf(exp, 'cupola_connections', { protocol: 'rtmp', factory: 'raw' }), 1);
    assert.equal(valueOf(exp, 'cupola_connections_total', { protocol: 'rtmp', factory: 'raw' }), 2);
    assert.equal(valueOf(exp, 'cupola_connections', { protocol: 'rtsp', factory: 'compressed' }), 1);
    assert.equal(valueOf(exp, 'cupola_protocol_errors_total', { code: 'RTMP_CHUNK_SIZE_INVALID' }), 1);
    assert.equal(valueOf(exp, 'cupola_publish_rejections_total', { factory: 'raw', reason: 'bad-key' }), 1);
  });

  it('forListener binds a listener\'s protocol and factory', async () => {
    const m = new Metrics({ defaultMetrics: false });
    const rtsp = m.forListener('rtsp', 'compressed');
    rtsp.connectionOpened();
    rtsp.connectionOpened();
    rtsp.connectionClosed();
    rtsp.protocolError('RTSP_BAD_REQUEST_LINE' as never);
    rtsp.publishRejected('path-busy');
    const exp = parsePrometheusText(await m.text());
    assert.equal(valueOf(exp, 'cupola_connections', { protocol: 'rtsp', factory: 'compressed' }), 1);
    assert.equal(valueOf(exp, 'cupola_connections_total', { protocol: 'rtsp', factory: 'compressed' }), 2);
    assert.equal(valueOf(exp, 'cupola_protocol_errors_total', { code: 'RTSP_BAD_REQUEST_LINE' }), 1);
    assert.equal(valueOf(exp, 'cupola_publish_rejections_total', { factory: 'compressed', reason: 'path-busy' }), 1);
  });

  it('compression and replication: gauges, one-hot state, counters over restarts', async () => {
    const m = new Metrics({ defaultMetrics: false });
    let comp: CompressionSample = { camera: 'site1/cam1', state: 'running', source: 101, fps: 25, speed: 1.01, bitrateBps: 800_000, restarts: 0, framesDropped: 3, framesDuplicated: 1 };
    const repl: ReplicationSample = { factory: 'compressed', path: 'site1/cam1', state: 'live', source: 'r1', reconnects: 2, bytes: 4096, secondsSinceLastFrame: 0.04, addedDelaySeconds: 0.12 };
    m.setSamplers({ compression: () => [comp], replication: () => [repl] });
    let exp = parsePrometheusText(await m.text());
    assert.equal(valueOf(exp, 'cupola_compression_fps', { camera: 'site1/cam1' }), 25);
    assert.equal(valueOf(exp, 'cupola_compression_output_bitrate_bits_per_second', { camera: 'site1/cam1' }), 800_000);
    assert.equal(valueOf(exp, 'cupola_compression_state', { camera: 'site1/cam1', state: 'running' }), 1);
    assert.equal(valueOf(exp, 'cupola_compression_state', { camera: 'site1/cam1', state: 'backoff' }), 0);
    comp = { ...comp, source: 102, restarts: 1, framesDropped: 2 };
    exp = parsePrometheusText(await m.text());
    assert.equal(valueOf(exp, 'cupola_compression_restarts_total', { camera: 'site1/cam1' }), 1);
    assert.equal(valueOf(exp, 'cupola_compression_frames_dropped_total', { camera: 'site1/cam1' }), 5);
    assert.equal(valueOf(exp, 'cupola_replication_state', { path: 'site1/cam1', state: 'live' }), 1);
    assert.equal(valueOf(exp, 'cupola_replication_reconnects_total', { path: 'site1/cam1' }), 2);
    assert.equal(valueOf(exp, 'cupola_replication_bytes_total', { path: 'site1/cam1' }), 4096);
    assert.equal(valueOf(exp, 'cupola_replication_added_delay_seconds', { path: 'site1/cam1' }), 0.12);
  });

  it('compression queued over compression.maxWorkers: one-hot state and the queued count', async () => {
    const m = new Metrics({ defaultMetrics: false });
    const base = { source: 1, fps: 0, speed: 0, bitrateBps: 0, restarts: 0, framesDropped: 0, framesDuplicated: 0 };
    let samples: CompressionSample[] = [
      { ...base, camera: 'site1/cam1', state: 'running' },
      { ...base, camera: 'site1/cam2', state: 'queued' },
      { ...base, camera: 'site1/cam3', state: 'queued' },
    ];
    m.setSamplers({ compression: () => samples });
    let exp = parsePrometheusText(await m.text());
    assert.equal(valueOf(exp, 'cupola_compression_state', { camera: 'site1/cam2', state: 'queued' }), 1);
    assert.equal(valueOf(exp, 'cupola_compression_state', { camera: 'site1/cam1', state: 'queued' }), 0);
    assert.equal(valueOf(exp, 'cupola_compression_queued', {}), 2);
    samples = samples.slice(0, 1);
    exp = parsePrometheusText(await m.text());
    assert.equal(valueOf(exp, 'cupola_compression_queued', {}), 0);
  });
});
