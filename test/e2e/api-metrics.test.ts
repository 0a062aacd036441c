/**
 * /metrics of a real `cupola serve` process, scraped and parsed as Prometheus text while a camera
 * publishes over RTMP: the per-camera and per-factory byte and frame counters equal what the test
 * sent, and the listeners' connections, protocol errors (by code) and publish rejections (by reason)
 * are counted.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Frame, StreamDescription } from '../../protocols/media/frame.ts';
import { RtmpClient, RtmpClientError } from '../../src/rtmp/client/rtmp-client.ts';
import { startServer, waitFor, type ServerProcess } from '../helpers/server.ts';
import { AAC_LC_44100_MONO, au, H264_IDR, H264_NON_IDR, H264_PPS, H264_SPS } from '../unit/protocols/flv/fixtures.ts';
import { parsePrometheusText, valueOf } from '../unit/src/metrics/prom-text.ts';

const DESC: StreamDescription = {
  video: { codec: 'h264', sps: H264_SPS, pps: H264_PPS },
  audio: { codec: 'aac', sampleRate: 44100, channels: 1, config: AAC_LC_44100_MONO },
};

function publish(url: string): Promise<RtmpClient> {
  return new Promise((resolve, reject) => {
    const c = RtmpClient.publish(url, { onStarted: () => resolve(c), onClose: (e) => reject(e ?? new Error('publisher closed')) });
    c.setDescription(DESC);
  });
}

/** Writes bytes that are no protocol at all and waits for the server to close the connection. */
function sendGarbage(port: number, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => s.write(bytes));
    s.on('data', () => {});
    s.on('error', () => resolve());
    s.on('close', () => resolve());
    s.setTimeout(5000, () => s.destroy());
  });
}

describe('/metrics of a running server', () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServer({ args: ['--no-compress'] });
  });
  after(async () => {
    await server.stop();
  });

  async function scrape() {
    const r = await fetch(server.apiUrl('/metrics'));
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(await r.text());
  }

  it('counts exactly the media bytes and frames an RTMP publisher sent, per camera and per factory', async () => {
    const pub = await publish(server.rtmpUrl('site1/cam1'));
    let bytes = 0;
    let frames = 0;
    const send = (f: Frame): void => {
      pub.pushFrame(f);
      bytes += f.payload.length;
      frames++;
    };
    for (let i = 0; i < 60; i++) {
      const dts = i * 40;
      send({ track: 'video', dts, pts: dts, keyframe: i % 25 === 0, payload: au(i % 25 === 0 ? H264_IDR : H264_NON_IDR, Buffer.alloc(100 + i * 13, i)) });
      send({ track: 'audio', dts: dts + 5, pts: dts + 5, keyframe: true, payload: Buffer.alloc(20 + (i % 7), 0x21) });
    }
    const exp = await waitFor(async () => {
      const e = await scrape();
      return valueOf(e, 'cupola_stream_received_frames_total', { factory: 'raw', path: 'site1/cam1' }) === frames ? e : null;
    }, 10_000, `${frames} frames counted`);
    assert.equal(valueOf(exp, 'cupola_stream_received_bytes_total', { factory: 'raw', path: 'site1/cam1' }), bytes);
    assert.equal(valueOf(exp, 'cupola_factory_bytes_total', { factory: 'raw', direction: 'in' }), bytes);
    assert.equal(valueOf(exp, 'cupola_factory_frames_total', { factory: 'raw', direction: 'in' }), frames);
    assert.equal(valueOf(exp, 'cupola_streams_live', { factory: 'raw' }), 1);
    assert.equal(valueOf(exp, 'cupola_connections', { protocol: 'rtmp', factory: 'raw' }), 1);
    // The API's stream listing agrees with the counters.
    const listed = (await (await fetch(server.apiUrl('/api/v1/streams'))).json()) as { items: { path: string; bytesIn: number }[] };
    assert.equal(listed.items.find((s) => s.path === 'site1/cam1')?.bytesIn, bytes);
    pub.close();
    await waitFor(async () => valueOf(await scrape(), 'cupola_connections', { protocol: 'rtmp', factory: 'raw' }) === 0, 10_000, 'RTMP connection closed');
  });

  it('counts publish rejections by reason and protocol errors by code', async () => {
    const put = await fetch(server.apiUrl('/api/v1/cameras/site1/cam2'), {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ publishKey: 'secret-key' }),
    });
    assert.equal(put.status, 200);
    await assert.rejects(publish(server.rtmpUrl('site1/cam2?key=wrong')), (e: unknown) => e instanceof RtmpClientError);
    await sendGarbage(server.ports.rtmp, Buffer.alloc(1537, 0x07)); // RTMP version 7 is not 3
    await sendGarbage(server.ports.rtsp, Buffer.from('\x00\x01garbage that is not a request line\r\n\r\n', 'latin1'));
    const exp = await waitFor(async () => {
      const e = await scrape();
      const errors = [...e.samples].filter((s) => s.name === 'cupola_protocol_errors_total');
      return errors.some((s) => /^RTMP_/.test(s.labels['code'] ?? '')) && errors.some((s) => /^RTSP_/.test(s.labels['code'] ?? '')) ? e : null;
    }, 10_000, 'an RTMP and an RTSP protocol error counted');
    assert.equal(valueOf(exp, 'cupola_publish_rejections_total', { factory: 'raw', reason: 'bad-key' }), 1);
    assert.ok((valueOf(exp, 'cupola_connections_total', { protocol: 'rtmp', factory: 'raw' }) ?? 0) >= 3);
    assert.ok((valueOf(exp, 'cupola_connections_total', { protocol: 'rtsp', factory: 'raw' }) ?? 0) >= 1);
  });
});
