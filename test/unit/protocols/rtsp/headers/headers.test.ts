import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentBase } from '../../../../../protocols/rtsp/headers/content-base.ts';
import { parseCSeq } from '../../../../../protocols/rtsp/headers/cseq.ts';
import { formatPublic, parsePublic } from '../../../../../protocols/rtsp/headers/public.ts';
import { formatRange, parseRange, type RtspRange } from '../../../../../protocols/rtsp/headers/range.ts';
import { formatRtpInfo, parseRtpInfo } from '../../../../../protocols/rtsp/headers/rtp-info.ts';
import { parseRtspUrl, stripCredentials } from '../../../../../protocols/rtsp/headers/rtsp-url.ts';
import { formatSessionHeader, parseSessionHeader } from '../../../../../protocols/rtsp/headers/session-header.ts';
import { RtspHeaders } from '../../../../../protocols/rtsp/message/rtsp-headers.ts';

describe('CSeq', () => {
  for (const [v, n] of [['1', 1], [' 42 ', 42], ['4294967295', 4294967295]] as const) it(`parses ${JSON.stringify(v)}`, () => assert.equal(parseCSeq(v), n));
  for (const v of [undefined, '', 'x', '-1', '4294967296', '1.5']) {
    it(`rejects ${JSON.stringify(v)}`, () => assert.throws(() => parseCSeq(v), { code: 'RTSP_CSEQ_INVALID' }));
  }
});

describe('Session', () => {
  const cases: [string, { id: string; timeoutSec?: number }][] = [
    ['12345678', { id: '12345678' }],
    ['a1b2c3d4;timeout=60', { id: 'a1b2c3d4', timeoutSec: 60 }],
    [' 6A2F ; timeout = 30 ', { id: '6A2F', timeoutSec: 30 }],
    ['abc;foo=bar', { id: 'abc' }],
  ];
  for (const [wire, value] of cases) it(`parses ${JSON.stringify(wire)}`, () => assert.deepEqual(parseSessionHeader(wire), value));
  it('formats', () => {
    assert.equal(formatSessionHeader({ id: 'abc', timeoutSec: 60 }), 'abc;timeout=60');
    assert.equal(formatSessionHeader({ id: 'abc' }), 'abc');
  });
  for (const bad of ['', ';timeout=60', 'a b', 'abc;timeout=x', 'x'.repeat(300)]) {
    it(`rejects ${JSON.stringify(bad.slice(0, 20))}`, () => assert.throws(() => parseSessionHeader(bad), { code: 'RTSP_SESSION_HEADER_INVALID' }));
  }
});

describe('Range', () => {
  const cases: [string, RtspRange, string][] = [
    ['npt=0-', { kind: 'npt', start: 0 }, 'npt=0.000-'],
    ['npt=0.000-', { kind: 'npt', start: 0 }, 'npt=0.000-'],
    ['npt=now-', { kind: 'npt', start: 'now' }, 'npt=now-'],
    ['npt=10.5-20', { kind: 'npt', start: 10.5, end: 20 }, 'npt=10.500-20.000'],
    ['npt=0:01:02.5-', { kind: 'npt', start: 62.5 }, 'npt=62.500-'],
    ['npt=-20', { kind: 'npt', start: 0, end: 20 }, 'npt=0.000-20.000'],
    ['clock=19961108T142300Z-', { kind: 'other', raw: 'clock=19961108T142300Z-' }, 'clock=19961108T142300Z-'],
    ['npt=5-;time=19970123T143720Z', { kind: 'npt', start: 5 }, 'npt=5.000-'],
  ];
  for (const [wire, value, out] of cases) {
    it(`parses ${wire}`, () => {
      assert.deepEqual(parseRange(wire), value);
      assert.equal(formatRange(value), out);
    });
  }
  for (const bad of ['npt', 'npt=abc-', 'npt=5', 'npt=1-now']) it(`rejects ${bad}`, () => assert.throws(() => parseRange(bad), { code: 'RTSP_RANGE_INVALID' }));
});

describe('RTP-Info', () => {
  it('round trip of two tracks', () => {
    const wire = 'url=rtsp://h/a/trackID=0;seq=1234;rtptime=3000000000,url=rtsp://h/a/trackID=1;seq=1;rtptime=0';
    const entries = parseRtpInfo(wire);
    assert.deepEqual(entries, [
      { url: 'rtsp://h/a/trackID=0', seq: 1234, rtptime: 3000000000 },
      { url: 'rtsp://h/a/trackID=1', seq: 1, rtptime: 0 },
    ]);
    assert.equal(formatRtpInfo(entries), wire);
  });
  it('keeps a comma inside a URL and tolerates spaces and missing fields', () => {
    assert.deepEqual(parseRtpInfo('url=rtsp://h/a,b/track1;seq=5 , url=rtsp://h/a,b/track2'), [{ url: 'rtsp://h/a,b/track1', seq: 5 }, { url: 'rtsp://h/a,b/track2' }]);
  });
  for (const bad of ['seq=1', 'url=rtsp://h/a;seq=70000', 'url=rtsp://h/a;rtptime=x']) {
    it(`rejects ${bad}`, () => assert.throws(() => parseRtpInfo(bad), { code: 'RTSP_RTP_INFO_INVALID' }));
  }
});

describe('Public', () => {
  it('round trip', () => {
    const methods = ['OPTIONS', 'DESCRIBE', 'SETUP', 'PLAY', 'TEARDOWN', 'GET_PARAMETER'];
    assert.deepEqual(parsePublic(formatPublic(methods)), methods);
    assert.deepEqual(parsePublic('DESCRIBE,SETUP ,, TEARDOWN'), ['DESCRIBE', 'SETUP', 'TEARDOWN']);
  });
  it('rejects junk', () => assert.throws(() => parsePublic('PLAY, <script>'), { code: 'RTSP_PUBLIC_INVALID' }));
});

describe('Content-Base and URLs', () => {
  it('prefers Content-Base, then Content-Location, then the request URL', () => {
    assert.equal(contentBase(new RtspHeaders({ 'Content-Base': 'rtsp://h/a/', 'Content-Location': 'rtsp://x/' }), 'rtsp://r/'), 'rtsp://h/a/');
    assert.equal(contentBase(new RtspHeaders({ 'Content-Location': 'rtsp://x/' }), 'rtsp://r/'), 'rtsp://x/');
    assert.equal(contentBase(new RtspHeaders(), 'rtsp://r/'), 'rtsp://r/');
  });
  it('camera quirk: a relative Content-Base is resolved against the request URL', () => {
    // Seen on budget NVRs: `Content-Base: /live/ch0/` or `Content-Base: ch0/`.
    assert.equal(contentBase(new RtspHeaders({ 'Content-Base': '/live/ch0/' }), 'rtsp://u@10.0.0.5:554/live/ch0'), 'rtsp://u@10.0.0.5:554/live/ch0/');
    assert.equal(contentBase(new RtspHeaders({ 'Content-Base': 'ch0/' }), 'rtsp://10.0.0.5/live/'), 'rtsp://10.0.0.5/live/ch0/');
    assert.equal(contentBase(new RtspHeaders({ 'Content-Base': '   ' }), 'rtsp://r/a'), 'rtsp://r/a');
  });
  it('parses rtsp URLs with credentials, IPv6 and a default port', () => {
    assert.deepEqual(parseRtspUrl('rtsp://admin:p%40ss@10.0.0.5/Streaming/Channels/101?transportmode=unicast'), {
      host: '10.0.0.5',
      port: 554,
      path: 'Streaming/Channels/101',
      query: 'transportmode=unicast',
      username: 'admin',
      password: 'p@ss',
      secure: false,
    });
    // rtsps:// (RFC 7826 §26.7): TLS, default port 322.
    assert.deepEqual([parseRtspUrl('rtsps://h/a').secure, parseRtspUrl('rtsps://h/a').port, parseRtspUrl('rtsps://h:8322/a').port], [true, 322, 8322]);
    assert.equal(parseRtspUrl('rtsp://[::1]:8554/a/').path, 'a');
    // ffmpeg appends the track control after the query: the tail is path, the query stays.
    const track = parseRtspUrl('rtsp://h:8554/site1/cam3?key=s3cret/streamid=1');
    assert.deepEqual([track.path, track.query], ['site1/cam3/streamid=1', 'key=s3cret']);
    assert.deepEqual([parseRtspUrl('rtsp://h/a?k=v/').path, parseRtspUrl('rtsp://h/a?k=v/').query], ['a', 'k=v']);
    assert.equal(stripCredentials('rtsp://u:p@h:1/a'), 'rtsp://h:1/a');
  });
  for (const bad of ['http://h/a', 'not a url', 'rtsp://h/%zz']) {
    it(`rejects ${bad}`, () => assert.throws(() => parseRtspUrl(bad), { code: 'RTSP_URL_INVALID' }));
  }
});
