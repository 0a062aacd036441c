import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSdp } from '../../../../../protocols/rtsp/sdp/build-sdp.ts';
import { mediaControl, mediaUrls, resolveControl } from '../../../../../protocols/rtsp/sdp/control-url.ts';
import { formatAttributes, mediaRtpFormats, type SdpRtpFormat } from '../../../../../protocols/rtsp/sdp/media-formats.ts';
import { MAX_SDP_BYTES, MAX_SDP_MEDIA, parseSdp } from '../../../../../protocols/rtsp/sdp/parse-sdp.ts';

const sdp = (lines: string[]): string => `${lines.join('\r\n')}\r\n`;

/** Cases shared by the round trip and the format extraction: SDP text and the formats it describes. */
const CASES: { name: string; text: string; formats: SdpRtpFormat[][]; controls: (string | undefined)[] }[] = [
  {
    name: 'H.264 + AAC mpeg4-generic (what Cupola serves)',
    text: sdp([
      'v=0',
      'o=- 1700000000000 1 IN IP4 127.0.0.1',
      's=site1/cam1',
      'c=IN IP4 0.0.0.0',
      't=0 0',
      'a=control:*',
      'a=tool:Cupola',
      'm=video 0 RTP/AVP 96',
      'a=rtpmap:96 H264/90000',
      'a=fmtp:96 packetization-mode=1; profile-level-id=64001f; sprop-parameter-sets=Z2QAH6zZQFAFuhAAAAMAEAAAAwPA8YMZYA==,aOvjyyLA',
      'a=control:trackID=0',
      'm=audio 0 RTP/AVP 97',
      'b=AS:128',
      'a=rtpmap:97 mpeg4-generic/44100/2',
      'a=fmtp:97 profile-level-id=1; mode=AAC-hbr; sizelength=13; indexlength=3; indexdeltalength=3; config=1210',
      'a=control:trackID=1',
    ]),
    formats: [
      [
        {
          payloadType: 96,
          encodingName: 'H264',
          clockRate: 90000,
          fmtp: { 'packetization-mode': '1', 'profile-level-id': '64001f', 'sprop-parameter-sets': 'Z2QAH6zZQFAFuhAAAAMAEAAAAwPA8YMZYA==,aOvjyyLA' },
        },
      ],
      [
        {
          payloadType: 97,
          encodingName: 'mpeg4-generic',
          clockRate: 44100,
          channels: 2,
          fmtp: { 'profile-level-id': '1', mode: 'AAC-hbr', sizelength: '13', indexlength: '3', indexdeltalength: '3', config: '1210' },
        },
      ],
    ],
    controls: ['trackID=0', 'trackID=1'],
  },
  {
    name: 'H.265 with vps/sps/pps and absolute control',
    text: sdp([
      'v=0',
      'o=- 0 0 IN IP4 127.0.0.1',
      's=No Name',
      't=0 0',
      'm=video 0 RTP/AVP 96',
      'a=rtpmap:96 H265/90000',
      'a=fmtp:96 sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwB4mZgJ; sprop-sps=QgEBAWAAAAMAkAAAAwAAAwB4oAPAgBDllmZpJMrgEAAAAwAQAAADAZCA; sprop-pps=RAHBcrRiQA==',
      'a=control:rtsp://10.0.0.2:554/stream1/track1',
    ]),
    formats: [
      [
        {
          payloadType: 96,
          encodingName: 'H265',
          clockRate: 90000,
          fmtp: {
            'sprop-vps': 'QAEMAf//AWAAAAMAkAAAAwAAAwB4mZgJ',
            'sprop-sps': 'QgEBAWAAAAMAkAAAAwAAAwB4oAPAgBDllmZpJMrgEAAAAwAQAAADAZCA',
            'sprop-pps': 'RAHBcrRiQA==',
          },
        },
      ],
    ],
    controls: ['rtsp://10.0.0.2:554/stream1/track1'],
  },
  {
    name: 'G.711: PCMU by static payload type, PCMA with rtpmap',
    text: sdp(['v=0', 'o=- 0 0 IN IP4 0.0.0.0', 's=audio', 't=0 0', 'm=audio 0 RTP/AVP 0', 'a=control:track1', 'm=audio 0 RTP/AVP 8', 'a=rtpmap:8 PCMA/8000', 'a=control:track2']),
    formats: [[{ payloadType: 0, encodingName: 'PCMU', clockRate: 8000, channels: 1, fmtp: {} }], [{ payloadType: 8, encodingName: 'PCMA', clockRate: 8000, fmtp: {} }]],
    controls: ['track1', 'track2'],
  },
];

describe('SDP', () => {
  for (const c of CASES) {
    it(`round trip: ${c.name}`, () => {
      const parsed = parseSdp(c.text);
      assert.equal(buildSdp(parsed), c.text);
      assert.deepEqual(parseSdp(Buffer.from(c.text)), parsed);
    });
    it(`formats and controls: ${c.name}`, () => {
      const parsed = parseSdp(c.text);
      assert.deepEqual(parsed.media.map(mediaRtpFormats), c.formats);
      assert.deepEqual(parsed.media.map(mediaControl), c.controls);
    });
  }

  it('formatAttributes writes rtpmap and fmtp that parse back', () => {
    const f = CASES[0]!.formats[1]![0]!;
    const attrs = formatAttributes(f);
    assert.deepEqual(attrs[0], { name: 'rtpmap', value: '97 mpeg4-generic/44100/2' });
    const text = sdp(['v=0', 'o=- 0 0 IN IP4 0.0.0.0', 's=x', 't=0 0', 'm=audio 0 RTP/AVP 97', ...attrs.map((a) => `a=${a.name}:${a.value}`)]);
    assert.deepEqual(mediaRtpFormats(parseSdp(text).media[0]!), [f]);
  });

  it('camera SDP with LF line ends, trailing spaces, no o= and mixed-case fmtp keys', () => {
    const parsed = parseSdp('v=0\ns=Media Presentation  \nm=audio 0 RTP/AVP 97 \na=rtpmap:97 MPEG4-GENERIC/16000/1\na=fmtp:97 streamtype=5;SizeLength=13;IndexLength=3;IndexDeltaLength=3;Config=1408\n');
    assert.equal(parsed.sessionName, 'Media Presentation');
    assert.equal(parsed.origin.sessionId, '0');
    assert.deepEqual(mediaRtpFormats(parsed.media[0]!)[0]?.fmtp, { streamtype: '5', sizelength: '13', indexlength: '3', indexdeltalength: '3', config: '1408' });
  });

  it('resolves control URLs against the base (RFC 2326 §C.1.1 and camera practice)', () => {
    assert.equal(resolveControl('rtsp://h/a/', 'trackID=0'), 'rtsp://h/a/trackID=0');
    assert.equal(resolveControl('rtsp://h/a', 'trackID=0'), 'rtsp://h/a/trackID=0');
    assert.equal(resolveControl('rtsp://h/a/', '*'), 'rtsp://h/a/');
    assert.equal(resolveControl('rtsp://h/a/', undefined), 'rtsp://h/a/');
    assert.equal(resolveControl('rtsp://h:554/a/', '/b/track1'), 'rtsp://h:554/b/track1');
    assert.equal(resolveControl('rtsp://h/a/', 'rtsp://other/x'), 'rtsp://other/x');
    // Camera quirks: track URLs with queries. Dahua-style bases keep their query and get the
    // control after it (what the camera parses); a control that is itself a query joins without '/'.
    assert.equal(resolveControl('rtsp://h/cam/realmonitor?channel=1&subtype=0/', 'trackID=0'), 'rtsp://h/cam/realmonitor?channel=1&subtype=0/trackID=0');
    assert.equal(resolveControl('rtsp://h/stream', '?ctype=video'), 'rtsp://h/stream?ctype=video');
    assert.equal(resolveControl('rtsp://h/stream', 'track1?token=abc'), 'rtsp://h/stream/track1?token=abc');
    const parsed = parseSdp(CASES[0]!.text);
    assert.deepEqual(mediaUrls(parsed, 'rtsp://h:8554/site1/cam1/'), ['rtsp://h:8554/site1/cam1/trackID=0', 'rtsp://h:8554/site1/cam1/trackID=1']);
  });

  const bad: [string, string | Buffer, string][] = [
    ['malformed line', 'v=0\nthis is not sdp\n', 'RTSP_SDP_INVALID'],
    ['bad m= port', 'v=0\nm=video abc RTP/AVP 96\n', 'RTSP_SDP_INVALID'],
    ['rtpmap without clock rate', 'v=0\nm=video 0 RTP/AVP 96\na=rtpmap:96 H264\n', 'RTSP_SDP_INVALID'],
    ['no v= and no media', 's=x\n', 'RTSP_SDP_INVALID'],
    ['too many media', `v=0\n${'m=video 0 RTP/AVP 96\n'.repeat(MAX_SDP_MEDIA + 1)}`, 'RTSP_SDP_INVALID'],
    ['over MAX_SDP_BYTES', Buffer.alloc(MAX_SDP_BYTES + 1, 0x0a), 'RTSP_SDP_TOO_LARGE'],
  ];
  for (const [name, text, code] of bad) {
    it(`rejects: ${name}`, () => {
      assert.throws(() => mediaRtpFormats(parseSdp(text).media[0] ?? { type: '', port: 0, protocol: '', formats: [], bandwidths: [], attributes: [] }), { code });
    });
  }
});
