import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSourceUrl } from '../../../../src/config/camera-source.ts';
import { cameraSchema } from '../../../../src/config/model.ts';
import { ConfigValidationError, parseOrThrow } from '../../../../src/config/schema-kit.ts';

const camera = (extra: Record<string, unknown>): ReturnType<typeof cameraSchema.parse> => parseOrThrow(cameraSchema, { id: 'site1/cam1', ...extra });

function issues(extra: Record<string, unknown>): string[] {
  try {
    camera(extra);
  } catch (err) {
    assert.ok(err instanceof ConfigValidationError);
    return err.issues.map((i) => `${i.path}: ${i.message}`);
  }
  return [];
}

describe('camera source URLs', () => {
  it('splits user info out of the URL; the stored URL has none', () => {
    assert.deepEqual(parseSourceUrl('rtsp://admin:p%40ss@10.0.0.5:554/Streaming/Channels/101?transportmode=unicast'), {
      scheme: 'rtsp',
      url: 'rtsp://10.0.0.5:554/Streaming/Channels/101?transportmode=unicast',
      user: 'admin',
      pass: 'p@ss',
    });
  });
  for (const [raw, why] of [
    ['http://h/a', /scheme "http" is not pulled/],
    ['file:///etc/passwd', /scheme "file" is not pulled/],
    ['rtmp://h/onlyapp', /needs rtmp:\/\/host\[:port\]\/app\/stream/],
    ['rtsp://h/a b', /spaces/],
    ['rtsp//missing-colon', /is not a URL/],
    [`rtsp://h/${'a'.repeat(2100)}`, /at most 2048/],
  ] as const) {
    it(`refuses ${raw.slice(0, 40)}`, () => {
      const r = parseSourceUrl(raw);
      assert.ok('error' in r);
      assert.match(r.error, why);
    });
  }
});

describe('camera model: source fields', () => {
  it('fills transport and on-demand defaults; URL credentials become sourceUser/sourcePass', () => {
    const c = camera({ source: 'rtsp://u:secret@cam.local/live' });
    assert.deepEqual(
      { source: c?.source, sourceTransport: c?.sourceTransport, sourceOnDemand: c?.sourceOnDemand, sourceUser: c?.sourceUser, sourcePass: c?.sourcePass },
      { source: 'rtsp://cam.local/live', sourceTransport: 'auto', sourceOnDemand: false, sourceUser: 'u', sourcePass: 'secret' },
    );
  });
  it('URL credentials replace separate fields (a pasted URL is the newest)', () => {
    const c = camera({ source: 'rtsp://new:pw2@cam.local/live', sourceUser: 'old', sourcePass: 'pw1' });
    assert.deepEqual([c?.sourceUser, c?.sourcePass], ['new', 'pw2']);
  });
  it('keeps separate credentials when the URL has none', () => {
    const c = camera({ source: 'rtsp://cam.local/live', sourceUser: 'u', sourcePass: 'p', sourceTransport: 'udp', sourceOnDemand: true });
    assert.deepEqual([c?.sourceUser, c?.sourcePass, c?.sourceTransport, c?.sourceOnDemand], ['u', 'p', 'udp', true]);
  });
  it('drops source options of a camera without a source', () => {
    const c = camera({ sourceTransport: 'tcp', sourcePass: 'p' });
    assert.equal(c?.sourceTransport, undefined);
    assert.equal(c?.sourcePass, undefined);
  });
  it('names each bad field', () => {
    assert.deepEqual(issues({ source: 'http://cam/x' }), ['source: scheme "http" is not pulled; use rtsp://, rtsps://, rtmp://, rtmps://']);
    assert.deepEqual(issues({ source: 'rtsps://cam/x', sourceTransport: 'udp' }), ['sourceTransport: udp applies to rtsp:// sources only (rtsps:// runs over TCP)']);
    assert.deepEqual(issues({ source: 'rtsp://cam/x', sourcePass: 'p' }), ['sourcePass: needs sourceUser (or user info in the source URL)']);
    assert.equal(issues({ source: 'rtsp://cam/x', sourceTransport: 'quic' }).length, 1);
  });
});
