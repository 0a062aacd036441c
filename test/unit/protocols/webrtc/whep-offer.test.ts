import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../../../../protocols/errors.ts';
import { addAdvertisedCandidates, chooseFormats, MAX_OFFER_BYTES, parseOffer, restrictOffer, type StreamFormats } from '../../../../protocols/webrtc/whep-offer.ts';

/** A Chromium offer (recvonly video + audio), trimmed to the lines that matter here. */
const CHROME_OFFER = [
  'v=0', 'o=- 4611731400430051336 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1', 'a=msid-semantic: WMS',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 108 109 112 113',
  'c=IN IP4 0.0.0.0', 'a=ice-ufrag:Ab12', 'a=ice-pwd:abcdefghijklmnopqrstuvwx',
  'a=fingerprint:sha-256 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08',
  'a=setup:actpass', 'a=mid:0', 'a=recvonly', 'a=rtcp-mux',
  'a=rtpmap:96 VP8/90000', 'a=rtcp-fb:96 nack', 'a=rtpmap:97 rtx/90000', 'a=fmtp:97 apt=96',
  'a=rtpmap:102 H264/90000', 'a=rtcp-fb:102 nack', 'a=rtcp-fb:102 nack pli', 'a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f',
  'a=rtpmap:103 rtx/90000', 'a=fmtp:103 apt=102',
  'a=rtpmap:108 H264/90000', 'a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=640c1f',
  'a=rtpmap:109 rtx/90000', 'a=fmtp:109 apt=108',
  'a=rtpmap:112 H264/90000', 'a=rtcp-fb:112 nack', 'a=fmtp:112 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640c1f',
  'a=rtpmap:113 rtx/90000', 'a=fmtp:113 apt=112',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 0 8',
  'c=IN IP4 0.0.0.0', 'a=ice-ufrag:Ab12', 'a=ice-pwd:abcdefghijklmnopqrstuvwx',
  'a=fingerprint:sha-256 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08',
  'a=setup:actpass', 'a=mid:1', 'a=recvonly', 'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;useinbandfec=1', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000',
].join('\r\n') + '\r\n';

const H264_HIGH: StreamFormats = { video: { codec: 'h264', profile: 100 }, audio: { codec: 'other', sampleRate: 44100, channels: 1 } };

interface ChoiceCase {
  readonly name: string;
  readonly stream: StreamFormats;
  readonly video: number | null;
  readonly audio: number | null;
  readonly audioNotSent?: RegExp;
}

const CHOICES: readonly ChoiceCase[] = [
  { name: 'H.264 High + AAC: the mode-1 High format, audio not sent', stream: H264_HIGH, video: 112, audio: null, audioNotSent: /AAC or MP3.*video only/ },
  { name: 'H.264 Baseline: the mode-1 42 format', stream: { video: { codec: 'h264', profile: 66 } }, video: 102, audio: null },
  { name: 'H.264 Main (not offered): the first mode-1 format', stream: { video: { codec: 'h264', profile: 77 } }, video: 102, audio: null },
  { name: 'G.711 µ-law passes through', stream: { video: { codec: 'h264', profile: 100 }, audio: { codec: 'pcmu', sampleRate: 8000, channels: 1 } }, video: 112, audio: 0 },
  { name: 'G.711 A-law passes through', stream: { video: { codec: 'h264' }, audio: { codec: 'pcma', sampleRate: 8000, channels: 1 } }, video: 102, audio: 8 },
  { name: 'audio-only G.711 stream', stream: { audio: { codec: 'pcma', sampleRate: 8000, channels: 1 } }, video: null, audio: 8 },
];

describe('WHEP offer: format choice', () => {
  for (const c of CHOICES) {
    it(c.name, () => {
      const choice = chooseFormats(parseOffer(CHROME_OFFER), c.stream);
      assert.equal(choice.video?.format.payloadType ?? null, c.video);
      assert.equal(choice.audio?.format.payloadType ?? null, c.audio);
      if (c.audioNotSent !== undefined) assert.match(choice.audioNotSent ?? '', c.audioNotSent);
      assert.equal(choice.media.length, 2, 'one entry per audio/video section');
    });
  }

  it('restricts each section to its chosen format, RTX and other types gone', () => {
    const parsed = parseOffer(CHROME_OFFER);
    const text = restrictOffer(parsed, chooseFormats(parsed, H264_HIGH));
    assert.match(text, /^m=video 9 UDP\/TLS\/RTP\/SAVPF 112\r$/m);
    assert.match(text, /^a=fmtp:112 .*packetization-mode=1;profile-level-id=640c1f\r$/m);
    assert.doesNotMatch(text, /a=(rtpmap|fmtp|rtcp-fb):(96|97|102|103|108|109|113) /);
    // The unsent audio keeps one format (answered inactive).
    assert.match(text, /^m=audio 9 UDP\/TLS\/RTP\/SAVPF 111\r$/m);
    assert.equal(parseOffer(text).media[0]!.formats.length, 1, 'the restricted offer parses again');
  });
});

interface BadCase {
  readonly name: string;
  readonly offer: string;
  readonly stream?: StreamFormats;
  readonly code: string;
  readonly message: RegExp;
}

const BAD: readonly BadCase[] = [
  { name: 'not SDP', offer: 'hello', code: 'WEBRTC_OFFER_MALFORMED', message: /v=0/ },
  { name: 'no media', offer: 'v=0\r\ns=-\r\n', code: 'WEBRTC_OFFER_MALFORMED', message: /no media section/ },
  { name: 'garbage line', offer: 'v=0\r\nthis is not sdp\r\n', code: 'WEBRTC_OFFER_MALFORMED', message: /<type>=<value>/ },
  { name: 'no ICE credentials', offer: CHROME_OFFER.replace(/a=ice-pwd:.*\r\n/g, ''), code: 'WEBRTC_OFFER_MALFORMED', message: /ICE credentials/ },
  { name: 'no fingerprint', offer: CHROME_OFFER.replace(/a=fingerprint:.*\r\n/g, ''), code: 'WEBRTC_OFFER_MALFORMED', message: /fingerprint/ },
  { name: 'malformed rtpmap', offer: CHROME_OFFER.replace('a=rtpmap:102 H264/90000', 'a=rtpmap:102 H264'), code: 'WEBRTC_OFFER_MALFORMED', message: /malformed/ },
  { name: 'too large', offer: `v=0\r\n${'a=x\r\n'.repeat(MAX_OFFER_BYTES / 5 + 1)}`, code: 'WEBRTC_OFFER_TOO_LARGE', message: /over/ },
  { name: 'no H.264 packetization-mode=1', offer: CHROME_OFFER.replace(/packetization-mode=1/g, 'packetization-mode=0'), code: 'WEBRTC_OFFER_UNSUPPORTED', message: /packetization-mode=1/ },
  { name: 'H.265 camera, browser without H.265', offer: CHROME_OFFER, stream: { video: { codec: 'h265' } }, code: 'WEBRTC_OFFER_UNSUPPORTED', message: /H265/ },
  { name: 'video section that sends', offer: CHROME_OFFER.replace('a=mid:0\r\na=recvonly', 'a=mid:0\r\na=sendonly'), code: 'WEBRTC_OFFER_UNSUPPORTED', message: /sendonly/ },
  { name: 'plain RTP/AVP', offer: CHROME_OFFER.replace(/UDP\/TLS\/RTP\/SAVPF/g, 'RTP/AVP'), code: 'WEBRTC_OFFER_UNSUPPORTED', message: /SAVPF/ },
  { name: 'AAC-only stream', offer: CHROME_OFFER, stream: { audio: { codec: 'other', sampleRate: 44100, channels: 2 } }, code: 'WEBRTC_OFFER_UNSUPPORTED', message: /only G.711/ },
];

describe('WHEP offer: refused with a reason', () => {
  for (const c of BAD) {
    it(c.name, () => {
      assert.throws(
        () => chooseFormats(parseOffer(c.offer), c.stream ?? H264_HIGH),
        (err: unknown) => err instanceof ProtocolError && err.code === c.code && c.message.test(err.message),
      );
    });
  }
});

describe('WHEP answer: advertised candidates', () => {
  it('adds each advertised address with the port of every host candidate, lower priority', () => {
    const answer = 'v=0\r\na=candidate:1 1 udp 2130706431 10.0.0.5 50000 typ host\r\na=end-of-candidates\r\n';
    const out = addAdvertisedCandidates(answer, ['203.0.113.7']);
    assert.match(out, /a=candidate:1a0 1 udp 2130706175 203\.0\.113\.7 50000 typ host/);
    assert.equal(addAdvertisedCandidates(answer, []), answer);
  });
});
