import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRtmpUrl } from '../../../../../src/rtmp/client/rtmp-url.ts';

test('rtmp URLs: app is the first segment, the stream name keeps the rest and the query', () => {
  assert.deepEqual(parseRtmpUrl('rtmp://127.0.0.1:1936/site1/cam1?key=SECRET'), {
    host: '127.0.0.1',
    port: 1936,
    app: 'site1',
    streamName: 'cam1?key=SECRET',
    tcUrl: 'rtmp://127.0.0.1:1936/site1',
    secure: false,
  });
  // rtmps://: TLS, default port 443 (as ffmpeg and OBS), the tcUrl keeps the scheme.
  assert.deepEqual(parseRtmpUrl('rtmps://h/site1/cam1'), { host: 'h', port: 443, app: 'site1', streamName: 'cam1', tcUrl: 'rtmps://h:443/site1', secure: true });
  assert.equal(parseRtmpUrl('rtmp://host/a/b/c').streamName, 'b/c');
  assert.equal(parseRtmpUrl('rtmp://host/a/b').port, 1935);
  assert.equal(parseRtmpUrl('rtmp://[::1]:1935/a/b').host, '::1');
});

test('rtmps URLs: TLS, default port 443, tcUrl keeps the scheme', () => {
  const u = parseRtmpUrl('rtmps://live.example/app/key');
  assert.deepEqual([u.secure, u.port, u.tcUrl], [true, 443, 'rtmps://live.example:443/app']);
});

test('rtmp URLs: refused forms', () => {
  assert.throws(() => parseRtmpUrl('rtsp://host/a/b'), /not an rtmp/);
  assert.throws(() => parseRtmpUrl('rtmp://host/onlyapp'), /needs \/app\/stream/);
  assert.throws(() => parseRtmpUrl('not a url'), /invalid RTMP URL/);
});
