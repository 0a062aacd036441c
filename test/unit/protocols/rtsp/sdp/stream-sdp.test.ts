import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StreamDescription } from '../../../../../protocols/media/frame.ts';
import { buildSdp } from '../../../../../protocols/rtsp/sdp/build-sdp.ts';
import { mediaControl } from '../../../../../protocols/rtsp/sdp/control-url.ts';
import { parseSdp } from '../../../../../protocols/rtsp/sdp/parse-sdp.ts';
import { sdpFromStreamDescription, streamDescriptionFromSdp } from '../../../../../protocols/rtsp/sdp/stream-sdp.ts';

// x264 High 3.1 SPS for 1280x720 and a PPS (from test/unit/protocols/codecs/h264/sps.test.ts's x264 cases).
const SPS = Buffer.from('6764001facd9405005bb011000000300100000030320f1831960', 'hex');
const PPS = Buffer.from('68ebe3cb22c0', 'hex');
// AudioSpecificConfig: AAC LC, 44100 Hz, mono.
const ASC = Buffer.from('1208', 'hex');

describe('StreamDescription <-> SDP', () => {
  it('H.264 + AAC: served SDP parses back to the same description', () => {
    const desc: StreamDescription = {
      video: { codec: 'h264', sps: SPS, pps: PPS },
      audio: { codec: 'aac', sampleRate: 44100, channels: 1, config: ASC },
    };
    const served = sdpFromStreamDescription(desc, { sessionName: 'site1/cam1' });
    assert.deepEqual(served.tracks.map((t) => [t.kind, t.index, t.params.payloadType]), [['video', 0, 96], ['audio', 1, 97]]);
    const text = buildSdp(served.sdp);
    assert.match(text, /^a=control:\*$/m);
    const parsed = parseSdp(text);
    assert.deepEqual(parsed.media.map(mediaControl), ['trackID=0', 'trackID=1']);
    const back = streamDescriptionFromSdp(parsed);
    assert.deepEqual(back.tracks.map((t) => [t.kind, t.index]), [['video', 0], ['audio', 1]]);
    assert.equal(back.description.video?.codec, 'h264');
    assert.deepEqual(back.description.video?.sps, SPS);
    assert.deepEqual(back.description.video?.pps, PPS);
    assert.equal(back.description.video?.width, 1280);
    assert.equal(back.description.video?.height, 720);
    assert.equal(back.description.audio?.codec, 'aac');
    assert.equal(back.description.audio?.sampleRate, 44100);
    assert.equal(back.description.audio?.channels, 1);
    assert.deepEqual(back.description.audio?.config, ASC);
  });

  it('G.711 and MP3 (MPA) use their static payload types', () => {
    const pcmu = sdpFromStreamDescription({ audio: { codec: 'pcmu', sampleRate: 8000, channels: 1 } }, { sessionName: 'x' });
    assert.equal(pcmu.tracks[0]?.params.payloadType, 0);
    assert.equal(streamDescriptionFromSdp(parseSdp(buildSdp(pcmu.sdp))).description.audio?.codec, 'pcmu');
    const mp3 = sdpFromStreamDescription({ audio: { codec: 'mp3', sampleRate: 44100, channels: 2 } }, { sessionName: 'x' });
    assert.deepEqual(mp3.tracks.map((t) => [t.params.payloadType, t.params.encodingName]), [[14, 'MPA']]);
    assert.equal(streamDescriptionFromSdp(parseSdp(buildSdp(mp3.sdp))).description.audio?.codec, 'mp3');
  });

  it('an offer keeps only the first usable video and audio media', () => {
    const offer = parseSdp(
      [
        'v=0',
        'm=application 0 RTP/AVP 107',
        'a=rtpmap:107 vnd.onvif.metadata/90000',
        'm=video 0 RTP/AVP 26',
        'm=video 0 RTP/AVP 96',
        'a=rtpmap:96 H264/90000',
        `a=fmtp:96 packetization-mode=1;sprop-parameter-sets=${SPS.toString('base64')},${PPS.toString('base64')}`,
        'm=audio 0 RTP/AVP 8',
        'm=audio 0 RTP/AVP 0',
        '',
      ].join('\r\n'),
    );
    const offered = streamDescriptionFromSdp(offer);
    assert.deepEqual(offered.tracks.map((t) => [t.kind, t.index, t.params.encodingName]), [['video', 2, 'H264'], ['audio', 3, 'PCMA']]);
  });
});
