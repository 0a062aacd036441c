/**
 * Writes the seed corpus of test/fuzz/corpus/<target>/: interesting inputs per parser, from the
 * case tables (valid conversations and packets our own encoders produce) and hand-made boundary
 * cases (lengths at and over the limits, markers that announce more than follows, reserved values).
 * The files are committed; this script documents where they came from and regenerates them:
 *   node --import tsx test/fuzz/make-corpus.ts
 * Crashers found by `npm run test:fuzz` (CUPOLA_FUZZ_SAVE=1) land beside them as crash-<hash>.bin
 * and are never overwritten by this script.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClientHandshake } from '../../protocols/rtmp/handshake/client-handshake.ts';
import { ChunkReader } from '../../protocols/rtmp/chunk/chunk-reader.ts';
import { encodeChunks } from '../../protocols/rtmp/chunk/chunk-writer.ts';
import { ClientSession } from '../../protocols/rtmp/session/client-session.ts';
import { ServerSession } from '../../protocols/rtmp/session/server-session.ts';
import { encodeAmf0 } from '../../protocols/rtmp/amf0/amf0-encoder.ts';
import { asEcmaArray, withClassName } from '../../protocols/rtmp/amf0/amf-value.ts';
import { flvFileHeader, flvTagBuffers } from '../../protocols/flv/flv-muxer.ts';
import { frameTag, metadataTagBody, sequenceHeaderTags } from '../../protocols/flv/from-frames.ts';
import { videoFrameTagParts, videoSequenceHeaderBody } from '../../protocols/flv/video-tag-writer.ts';
import { audioSequenceHeaderBody } from '../../protocols/flv/audio-tag-writer.ts';
import type { StreamDescription } from '../../protocols/media/frame.ts';
import { RtpPacket } from '../../protocols/rtp/packet.ts';
import { H264Packetizer } from '../../protocols/rtp/h264/packetizer.ts';
import { H265Packetizer } from '../../protocols/rtp/h265/packetizer.ts';
import { AacPacketizer } from '../../protocols/rtp/aac/packetizer.ts';
import { MpaPacketizer } from '../../protocols/rtp/mpa/packetizer.ts';
import { buildBye } from '../../protocols/rtp/rtcp/bye.ts';
import { buildReceiverReport, buildSdesCname } from '../../protocols/rtp/rtcp/receiver-report.ts';
import { buildSenderReport } from '../../protocols/rtp/rtcp/sender-report.ts';
import { encodeClientFrame, Opcode } from '../../protocols/websocket/frame-reader.ts';
import { AAC_LC_44100_MONO, au, H264_IDR, H264_NON_IDR, H264_PPS, H264_SPS, H265_IDR, H265_PPS, H265_SPS, H265_TRAIL, H265_VPS } from '../unit/protocols/flv/fixtures.ts';
import { READER_CASES } from '../unit/protocols/rtsp/message/cases.ts';
import { H264_CASES } from '../unit/protocols/rtp/h264/cases.ts';
import { H265_CASES } from '../unit/protocols/rtp/h265/cases.ts';
import { AAC_CASES, auFrames } from '../unit/protocols/rtp/aac/cases.ts';
import { videoFrame } from '../unit/protocols/rtp/rtp-test-helpers.ts';
import { framePackets } from './targets.ts';

const CORPUS = fileURLToPath(new URL('./corpus/', import.meta.url));
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const text = (s: string): Buffer => Buffer.from(s, 'latin1');
const crlf = (...lines: string[]): Buffer => text(lines.join('\r\n'));

const corpus: Record<string, Record<string, Buffer>> = {};
function add(target: string, name: string, data: Buffer): void {
  (corpus[target] ??= {})[name] = data;
}

// ---- RTMP handshake ----
const seeded = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff));
for (const digest of [false, true]) {
  const c = new ClientHandshake({ randomBytes: seeded, timeMs: 0, digest });
  const c0c1 = Buffer.concat(c.start());
  add('rtmp-handshake', `c0c1-${digest ? 'fp9-digest' : 'plain'}.bin`, c0c1);
  add('rtmp-handshake', `c0c1-c2-then-chunks-${digest ? 'digest' : 'plain'}.bin`, Buffer.concat([c0c1, seeded(1536), hex('0300000000000d140000000002000763')]));
}
add('rtmp-handshake', 'c0-version-6-encrypted.bin', Buffer.concat([hex('06'), seeded(1536)]));
add('rtmp-handshake', 'c0-version-0.bin', Buffer.concat([hex('00'), seeded(1536)]));
add('rtmp-handshake', 'c0c1-truncated-at-1000.bin', Buffer.concat([hex('03'), seeded(999)]));
add('rtmp-handshake', 'http-get-on-rtmp-port.bin', crlf('GET / HTTP/1.1', 'Host: x', '', ''));

// ---- RTMP chunk stream (after the handshake): a publish conversation and boundary cases ----
function publishConversation(chunkSize: number, hevc = false): Buffer {
  const up: Buffer[] = [];
  const down: Buffer[] = [];
  const client = new ClientSession({ mode: 'publish', app: 'site1', tcUrl: 'rtmp://h/site1', streamName: 'cam1?key=k', chunkSize }, (b) => up.push(...b), () => {});
  const server = new ServerSession((b) => down.push(...b), (e) => {
    if (e.type === 'publish-requested') server.acceptPublish(e.streamId);
  });
  const serverReader = new ChunkReader((m) => server.handleMessage(m));
  const clientReader = new ChunkReader((m) => client.handleMessage(m));
  const sent: Buffer[] = [];
  client.start();
  for (let i = 0; i < 10; i++) {
    const pending = up.splice(0);
    sent.push(...pending);
    for (const b of pending) serverReader.push(b);
    for (const b of down.splice(0)) clientReader.push(b);
  }
  client.sendMedia(18, 0, encodeAmf0('@setDataFrame', 'onMetaData', { width: 64, height: 48 }));
  const desc: StreamDescription = hevc
    ? { video: { codec: 'h265', vps: H265_VPS, sps: H265_SPS, pps: H265_PPS } }
    : { video: { codec: 'h264', sps: H264_SPS, pps: H264_PPS } };
  if (hevc) for (const t of sequenceHeaderTags(desc, 0)) client.sendMedia(t.type as 8 | 9, 0, t.parts);
  else client.sendMedia(9, 0, videoSequenceHeaderBody({ codec: 'h264', sps: H264_SPS, pps: H264_PPS })!);
  client.sendMedia(8, 0, audioSequenceHeaderBody({ codec: 'aac', sampleRate: 44100, channels: 1, config: AAC_LC_44100_MONO })!);
  for (let i = 0; i < 3; i++) {
    const frame = { track: 'video' as const, dts: i * 40, pts: i * 40 + 80, keyframe: i === 0, payload: au(hevc ? (i === 0 ? H265_IDR : H265_TRAIL) : i === 0 ? H264_IDR : H264_NON_IDR, Buffer.alloc(200 * i, i)) };
    if (hevc) {
      const tag = frameTag(desc, frame);
      if (tag !== null) client.sendMedia(9, tag.timestampMs, tag.parts);
    } else client.sendMedia(9, i * 40, videoFrameTagParts('h264', frame));
    client.sendMedia(8, i * 23, hex('af012110'));
  }
  sent.push(...up.splice(0));
  return Buffer.concat(sent);
}
add('rtmp-chunk', 'publish-h264-aac-chunk-128.bin', publishConversation(128));
add('rtmp-chunk', 'publish-h264-aac-chunk-4096.bin', publishConversation(4096));
add('rtmp-chunk', 'publish-h264-aac-chunk-60.bin', publishConversation(60));
add('rtmp-chunk', 'publish-enhanced-hevc.bin', publishConversation(4096, true));
const chunk = (csid: number, type: number, ts: number, body: Buffer, streamId = 0, size = 128): Buffer =>
  Buffer.concat(encodeChunks({ chunkStreamId: csid, typeId: type, timestamp: ts, messageStreamId: streamId, payload: body }, size));
add('rtmp-chunk', 'set-chunk-size-0.bin', chunk(2, 1, 0, hex('00000000')));
add('rtmp-chunk', 'set-chunk-size-bit31.bin', chunk(2, 1, 0, hex('80000000')));
add('rtmp-chunk', 'set-chunk-size-1-then-message.bin', Buffer.concat([chunk(2, 1, 0, hex('00000001')), chunk(3, 20, 0, encodeAmf0('connect', 1, { app: 'a' }), 0, 1)]));
add('rtmp-chunk', 'extended-timestamp-fmt0-and-fmt3.bin', chunk(4, 9, 0xffffff + 5, Buffer.alloc(300, 0x17)));
add('rtmp-chunk', 'timestamp-ffffff-exact.bin', chunk(4, 8, 0xffffff, Buffer.alloc(10, 0xaf)));
add('rtmp-chunk', 'fmt3-without-previous-header.bin', hex('c3 0102030405'));
add('rtmp-chunk', 'fmt1-without-previous-header.bin', hex('43 000000 00000a 09 00000000000000000000'));
add('rtmp-chunk', 'csid-2-byte-form.bin', Buffer.concat([hex('00 c8'), hex('000000 000004 14 00000000'), hex('05000000')]));
add('rtmp-chunk', 'csid-3-byte-form-max.bin', Buffer.concat([hex('01 ffff'), hex('000000 000004 14 00000000'), hex('05000000')]));
add('rtmp-chunk', 'message-length-ffffff.bin', hex('03 000000 ffffff 09 01000000 1700'));
add('rtmp-chunk', 'message-length-0.bin', hex('03 000000 000000 09 01000000'));
// 80 chunk streams (2-byte basic header form, csid 64 + i), each with a partial message held open.
add('rtmp-chunk', 'too-many-chunk-streams.bin', Buffer.concat(Array.from({ length: 80 }, (_, i) => Buffer.concat([hex('00'), Buffer.from([i]), hex('000000 000100 09 01000000'), Buffer.alloc(100)]))));
add('rtmp-chunk', 'abort-message-mid-body.bin', Buffer.concat([hex('04 000000 000200 09 01000000'), Buffer.alloc(128, 1), chunk(2, 2, 0, hex('00000004')), hex('c4'), Buffer.alloc(50)]));
add('rtmp-chunk', 'aggregate-message.bin', chunk(4, 22, 0, Buffer.concat([hex('09 000005 000000 00 000000'), hex('1701000000'), hex('00000010'), hex('08 000002 000010 00 000000 af01 0000000d')]), 1));
add('rtmp-chunk', 'aggregate-inner-size-overflow.bin', chunk(4, 22, 0, Buffer.concat([hex('09 ffffff 000000 00 000000'), hex('1701000000')]), 1));
add('rtmp-chunk', 'user-control-ping-and-window-ack.bin', Buffer.concat([chunk(2, 4, 0, hex('0006 00000001')), chunk(2, 5, 0, hex('00989680')), chunk(2, 6, 0, hex('0098968002'))]));
add('rtmp-chunk', 'command-amf0-garbage.bin', chunk(3, 20, 0, hex('02ffff61')));
add('rtmp-chunk', 'command-amf3-flex-message.bin', chunk(3, 17, 0, Buffer.concat([hex('00'), encodeAmf0('connect', 1, { app: 'site1' })])));
add('rtmp-chunk', 'publish-before-connect.bin', chunk(3, 20, 0, encodeAmf0('publish', 5, null, 'cam1', 'live'), 1));
add('rtmp-chunk', 'video-tag-avc-config-truncated.bin', chunk(4, 9, 0, hex('1700000000 01640028ff e1 0040'), 1));

// ---- AMF0 / AMF3 ----
add('amf0', 'connect-command.bin', encodeAmf0('connect', 1, { app: 'site1', flashVer: 'FMLE/3.0', tcUrl: 'rtmp://h/site1', capabilities: 15, objectEncoding: 0 }));
add('amf0', 'set-data-frame-ecma-array.bin', encodeAmf0('@setDataFrame', 'onMetaData', asEcmaArray({ width: 320, height: 240, framerate: 25, stereo: false, encoder: 'Lavf58' })));
add('amf0', 'strict-array-date-typed-object-long-string.bin', encodeAmf0([1, 'a', [true, null, undefined]], new Date(0), withClassName({ x: 1 }, 'P'), 'x'.repeat(70000)));
add('amf0', 'reference-to-first-object.bin', hex('0a00000002 03000161 0101 000009 070000'));
add('amf0', 'reference-out-of-range.bin', hex('0700ff'));
add('amf0', 'string-length-beyond-input.bin', hex('02ffff616263'));
add('amf0', 'long-string-length-ffffffff.bin', hex('0cffffffff41'));
add('amf0', 'strict-array-count-ffffffff.bin', hex('0affffffff00'));
add('amf0', 'ecma-array-count-lies.bin', hex('0800000005 000161 0101 000009'));
add('amf0', 'object-nested-2000-deep.bin', Buffer.alloc(2000 * 4).fill(hex('03000161')));
add('amf0', 'object-end-without-object.bin', hex('000009'));
add('amf0', 'unsupported-marker-movieclip.bin', hex('04'));
add('amf0', 'reserved-marker-recordset.bin', hex('0e'));
add('amf0', 'unknown-marker-ff.bin', hex('ff'));
add('amf0', 'number-truncated.bin', hex('00400000'));
add('amf0', 'date-without-timezone.bin', hex('0b0000000000000000'));
add('amf0', 'xml-document.bin', Buffer.concat([hex('0f00000007'), text('<a></a>')]));
add('amf3', 'array-and-object-ref.bin', hex('0905 01 0a0b01 0361 03 01 0a02'));
add('amf3', 'traits-ref.bin', hex('0a13 0350 0378 0401 11 0a01 0402'));
add('amf3', 'vectors-and-byte-array.bin', hex('0d05 00 ffffffff 00000002 11 0c05abcd'));
add('amf3', 'u29-max.bin', hex('04ffffffff'));
add('amf3', 'u29-truncated.bin', hex('04ff'));
add('amf3', 'string-ref-out-of-range.bin', hex('0610'));
add('amf3', 'string-length-beyond-input.bin', hex('06ff7f61'));
add('amf3', 'externalizable-traits.bin', hex('0a07 0f 666c65782e6d657373616765'));
// An anonymous dynamic object with 200 two-character keys (k0..k9 repeated) holding small integers.
add('amf3', 'dynamic-object-many-keys.bin', Buffer.concat([hex('0a0b01'), ...Array.from({ length: 200 }, (_, i) => Buffer.concat([hex('05'), text(`k${i % 10}`), hex('04'), Buffer.from([i & 0x3f])])), hex('01')]));
add('amf3', 'array-dense-count-huge.bin', hex('09ffffff7f01'));
add('amf3', 'byte-array-length-huge.bin', hex('0cffffff7f'));
add('amf3', 'dictionary.bin', hex('1105 00 0601 04 01'));
add('amf3', 'xml-and-date.bin', hex('0b07 3c613e 08 01 0000000000000000'));
add('amf3', 'nested-arrays-1000.bin', Buffer.concat([Buffer.alloc(1000 * 3).fill(hex('090301')), Buffer.from([0x01])]));
add('amf3', 'reserved-marker-14.bin', hex('14'));

// ---- FLV ----
function flvStream(desc: StreamDescription, hevc: 'enhanced' | 'legacy' = 'enhanced'): Buffer {
  const tags = [{ type: 18 as const, timestampMs: 0, parts: [metadataTagBody({ width: 64, height: 48, framerate: 10 })] }, ...sequenceHeaderTags(desc, 0, { hevc })];
  for (let i = 0; i < 4; i++) {
    const v = frameTag(desc, { track: 'video', dts: i * 100, pts: i * 100 + 100, keyframe: i === 0, payload: au(desc.video?.codec === 'h265' ? (i === 0 ? H265_IDR : H265_TRAIL) : i === 0 ? H264_IDR : H264_NON_IDR) }, { hevc });
    const a = desc.audio === undefined ? null : frameTag(desc, { track: 'audio', dts: i * 100 + 5, pts: i * 100 + 5, keyframe: true, payload: hex('2110d5d5') });
    if (v !== null) tags.push(v);
    if (a !== null) tags.push(a);
  }
  return Buffer.concat([flvFileHeader({ hasAudio: desc.audio !== undefined, hasVideo: true }), ...tags.flatMap((t) => flvTagBuffers(t))]);
}
add('flv', 'h264-aac.bin', flvStream({ video: { codec: 'h264', sps: H264_SPS, pps: H264_PPS }, audio: { codec: 'aac', sampleRate: 44100, channels: 1, config: AAC_LC_44100_MONO } }));
add('flv', 'hevc-enhanced-pcma.bin', flvStream({ video: { codec: 'h265', vps: H265_VPS, sps: H265_SPS, pps: H265_PPS }, audio: { codec: 'pcma', sampleRate: 8000, channels: 1 } }));
add('flv', 'hevc-legacy-codec-12.bin', flvStream({ video: { codec: 'h265', vps: H265_VPS, sps: H265_SPS, pps: H265_PPS } }, 'legacy'));
const FLV_HEADER = hex('464c56 01 05 00000009 00000000');
add('flv', 'header-data-offset-0.bin', hex('464c56 01 05 00000000 00000000'));
add('flv', 'header-data-offset-huge.bin', hex('464c56 01 05 7fffffff'));
add('flv', 'not-flv.bin', text('GIF89a'));
add('flv', 'tag-size-over-limit.bin', Buffer.concat([FLV_HEADER, hex('09 ffffff 000000 00 000000 17')]));
add('flv', 'previous-tag-size-mismatch.bin', Buffer.concat([FLV_HEADER, hex('09 000005 000000 00 000000 1701000000 00000099')]));
add('flv', 'video-codec-id-0.bin', Buffer.concat([FLV_HEADER, hex('09 000005 000000 00 000000 1001000000 00000010')]));
add('flv', 'avc-end-of-sequence.bin', Buffer.concat([FLV_HEADER, hex('09 000005 000000 00 000000 1702000000 00000010')]));
add('flv', 'empty-video-and-audio-tags.bin', Buffer.concat([FLV_HEADER, hex('09 000000 000000 00 000000 0000000b 08 000000 000000 00 000000 0000000b')]));
add('flv', 'enhanced-unknown-fourcc.bin', Buffer.concat([FLV_HEADER, hex('09 000005 000000 00 000000 90 61763031 0000000d')]));
add('flv', 'avc-config-lengths-lie.bin', Buffer.concat([FLV_HEADER, hex('09 00000f 000000 00 000000 1700000000 01640028ff e1 ffff 6764 0000001a')]));
add('flv', 'aac-config-empty.bin', Buffer.concat([FLV_HEADER, hex('08 000002 000000 00 000000 af00 0000000d')]));
add('flv', 'script-tag-garbage.bin', Buffer.concat([FLV_HEADER, hex('12 000004 000000 00 000000 02ffff61 0000000f')]));
add('flv', 'timestamp-extended-byte.bin', Buffer.concat([FLV_HEADER, hex('08 000003 ffffff ff 000000 2f0011 0000000e')]));

// ---- RTSP messages ----
for (const c of READER_CASES) add('rtsp-message', `${c.name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase()}.bin`, c.wire);
add('rtsp-message', 'line-over-limit.bin', text(`OPTIONS rtsp://h/${'a'.repeat(2000)} RTSP/1.0\r\nCSeq: 1\r\n\r\n`));
add('rtsp-message', 'header-count-over-limit.bin', text(`OPTIONS * RTSP/1.0\r\n${Array.from({ length: 40 }, (_, i) => `X-${i}: v`).join('\r\n')}\r\n\r\n`));
add('rtsp-message', 'content-length-negative.bin', crlf('ANNOUNCE rtsp://h/a RTSP/1.0', 'CSeq: 2', 'Content-Length: -5', '', 'v=0'));
add('rtsp-message', 'content-length-huge.bin', crlf('ANNOUNCE rtsp://h/a RTSP/1.0', 'CSeq: 2', 'Content-Length: 99999999999999999999', '', 'v=0'));
add('rtsp-message', 'content-length-twice.bin', crlf('ANNOUNCE rtsp://h/a RTSP/1.0', 'CSeq: 2', 'Content-Length: 3', 'Content-Length: 30', '', 'v=0'));
add('rtsp-message', 'interleaved-frame-65535.bin', Buffer.concat([hex('2400ffff'), Buffer.alloc(100)]));
add('rtsp-message', 'interleaved-frame-length-0.bin', hex('24000000 24010000'));
add('rtsp-message', 'response-status-999.bin', crlf('RTSP/1.0 999 Whatever', 'CSeq: 1', '', ''));
add('rtsp-message', 'response-status-not-a-number.bin', crlf('RTSP/1.0 abc OK', 'CSeq: 1', '', ''));
add('rtsp-message', 'lf-only-line-endings.bin', text('OPTIONS rtsp://h/a RTSP/1.0\nCSeq: 1\n\n'));
add('rtsp-message', 'nul-bytes-in-header.bin', text('OPTIONS rtsp://h/a RTSP/1.0\r\nCSeq: 1\x00\x00\r\n\r\n'));
add('rtsp-message', 'header-without-colon.bin', crlf('OPTIONS rtsp://h/a RTSP/1.0', 'CSeq 1', '', ''));
add('rtsp-message', 'header-continuation-line.bin', crlf('OPTIONS rtsp://h/a RTSP/1.0', 'CSeq: 1', ' folded', '', ''));
add('rtsp-message', 'http-version.bin', crlf('GET / HTTP/1.1', 'Host: h', '', ''));
add('rtsp-message', 'setup-transport-garbage.bin', crlf('SETUP rtsp://h/a/trackID=0 RTSP/1.0', 'CSeq: 3', 'Transport: RTP/AVP/TCP;unicast;interleaved=300-1;client_port=99999-0;;;=', '', ''));
add('rtsp-message', 'www-authenticate-garbage.bin', crlf('RTSP/1.0 401 Unauthorized', 'CSeq: 2', 'WWW-Authenticate: Digest realm="x, nonce=, algorithm', 'WWW-Authenticate: Basic', '', ''));
add('rtsp-message', 'bare-dollar.bin', hex('24'));

// ---- SDP ----
const sdp = (...lines: string[]): Buffer => text([...lines, ''].join('\r\n'));
add('sdp', 'ffmpeg-h264-aac.bin', sdp('v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=No Name', 'c=IN IP4 127.0.0.1', 't=0 0', 'a=tool:libavformat 58.20.100', 'm=video 0 RTP/AVP 96', 'b=AS:500', 'a=rtpmap:96 H264/90000', 'a=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z2QACqzZRHsBEAAAAwAQAAADAUDxIlmA,aOvjyyLA; profile-level-id=64000A', 'a=control:streamid=0', 'm=audio 0 RTP/AVP 97', 'b=AS:64', 'a=rtpmap:97 MPEG4-GENERIC/44100/1', 'a=fmtp:97 profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3; config=1208', 'a=control:streamid=1'));
add('sdp', 'camera-h265-pcma.bin', sdp('v=0', 'o=- 1 1 IN IP4 192.168.1.64', 's=Media Presentation', 'e=NONE', 'b=AS:5100', 't=0 0', 'a=control:rtsp://192.168.1.64/Streaming/Channels/101/', 'm=video 0 RTP/AVP 96', 'b=AS:5000', 'a=control:trackID=1', 'a=rtpmap:96 H265/90000', 'a=fmtp:96 sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwAelZgJ; sprop-sps=QgEBAWAAAAMAkAAAAwAAAwAeoCCDFllZrkyvAQEAAAMAAQAAAwAKCA==; sprop-pps=RAHBc9CJ', 'm=audio 0 RTP/AVP 8', 'a=rtpmap:8 PCMA/8000', 'a=control:trackID=2'));
add('sdp', 'mpa-and-g711-static-types.bin', sdp('v=0', 'o=- 0 0 IN IP4 0.0.0.0', 's=x', 't=0 0', 'm=audio 0 RTP/AVP 14', 'm=audio 0 RTP/AVP 0'));
add('sdp', 'rtpmap-garbage.bin', sdp('v=0', 'o=- 0 0 IN IP4 0.0.0.0', 's=x', 't=0 0', 'm=video 0 RTP/AVP 96', 'a=rtpmap:96', 'a=rtpmap:abc H264/notaclock', 'a=fmtp:96 sprop-parameter-sets=!!!!,@@@'));
add('sdp', 'sprop-base64-of-garbage.bin', sdp('v=0', 'o=- 0 0 IN IP4 0.0.0.0', 's=x', 't=0 0', 'm=video 0 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'a=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z/////////8=,aP8='));
add('sdp', 'media-port-range-and-no-formats.bin', sdp('v=0', 'o=- 0 0 IN IP4 0.0.0.0', 's=x', 't=0 0', 'm=video 0/2 RTP/AVP', 'm=audio'));
add('sdp', 'seventeen-media.bin', sdp('v=0', 'o=- 0 0 IN IP4 0.0.0.0', 's=x', 't=0 0', ...Array.from({ length: 17 }, (_, i) => `m=video 0 RTP/AVP ${96 + i}`)));
add('sdp', 'no-version-line.bin', sdp('o=- 0 0 IN IP4 0.0.0.0', 's=x', 'm=video 0 RTP/AVP 96'));
add('sdp', 'lf-only-and-blank-lines.bin', text('v=0\n\n\no=- 0 0 IN IP4 0.0.0.0\ns=x\nm=video 0 RTP/AVP 96\na=rtpmap:96 H264/90000\n'));
add('sdp', 'aac-config-odd-hex.bin', sdp('v=0', 'o=- 0 0 IN IP4 0.0.0.0', 's=x', 't=0 0', 'm=audio 0 RTP/AVP 97', 'a=rtpmap:97 MPEG4-GENERIC/48000/2', 'a=fmtp:97 mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=119'));
add('sdp', 'attribute-flood.bin', sdp('v=0', 'o=- 0 0 IN IP4 0.0.0.0', 's=x', 't=0 0', 'm=video 0 RTP/AVP 96', ...Array.from({ length: 300 }, (_, i) => `a=x-${i}:y`)));
add('sdp', 'binary-garbage.bin', hex('00ff10203d0d0a763d'));

// ---- RTP / RTCP packets ----
const rtpSeeds: [string, RtpPacket][] = [
  ['marker-pt96.bin', new RtpPacket({ marker: true, payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3, payload: hex('65aabbcc') })],
  ['csrc-and-padding.bin', new RtpPacket({ payloadType: 97, sequenceNumber: 1, timestamp: 2, ssrc: 3, csrc: [4, 5], payload: Buffer.alloc(20, 1), paddingSize: 3 })],
  ['header-extension.bin', new RtpPacket({ payloadType: 0, sequenceNumber: 1, timestamp: 2, ssrc: 3, extension: { profile: 0xbede, data: Buffer.alloc(8, 2) }, payload: Buffer.alloc(5) })],
];
for (const [name, p] of rtpSeeds) add('rtp', name, p.encode());
add('rtp', 'csrc-count-15-short.bin', hex('8f60000100000002 00000003 00000004'));
add('rtp', 'extension-length-beyond-packet.bin', hex('90600001 00000002 00000003 bede00ff 00000000'));
add('rtp', 'padding-count-over-payload.bin', hex('a0600001 00000002 00000003 0102 ff'));
add('rtp', 'padding-count-0.bin', hex('a0600001 00000002 00000003 010200'));
add('rtp', 'version-0.bin', hex('00600001 00000002 00000003 01'));
add('rtp', 'header-only-11-bytes.bin', hex('8060000100000002000000'));
const BLOCK = { ssrc: 1, fractionLost: 1, cumulativeLost: 2, extendedHighestSequence: 3, jitter: 4, lastSenderReport: 5, delaySinceLastSenderReport: 6 };
add('rtcp', 'sr-sdes.bin', Buffer.concat([buildSenderReport({ ssrc: 1, nowUnixMs: 0, rtpTimestamp: 2, packetCount: 3, octetCount: 4, reports: [BLOCK] }), buildSdesCname(1, 'cname')]));
add('rtcp', 'rr-sdes-bye.bin', Buffer.concat([buildReceiverReport({ ssrc: 9, reports: [BLOCK, BLOCK] }), buildSdesCname(9, 'x'), buildBye({ ssrcs: [9], reason: 'bye' })]));
add('rtcp', 'length-beyond-buffer.bin', hex('81c9ffff 00000009'));
add('rtcp', 'report-count-31-no-blocks.bin', hex('9fc90001 00000009'));
add('rtcp', 'app-packet.bin', Buffer.concat([hex('80cc0003 00000001'), text('NAME'), hex('deadbeef')]));
add('rtcp', 'reduced-size-rtpfb.bin', hex('81cd0002 00000001 00000002'));
add('rtcp', 'version-1.bin', hex('41c90001 00000009'));
add('rtcp', 'sdes-item-length-beyond.bin', hex('81ca0002 00000001 01ff6162'));
add('rtcp', 'bye-reason-length-beyond.bin', hex('81cb0002 00000009 20616263'));

// ---- RTP depacketizers: packet streams (each packet preceded by a 2-byte length) ----
const IDENTITY = { ssrc: 77, initialSequenceNumber: 65520, timestampOffset: 0xfffff000 };
H264_CASES.forEach((c, i) => {
  const p = new H264Packetizer({ ...IDENTITY, mtu: c.mtu });
  add('rtp-h264', `case-${i}-mtu-${c.mtu}.bin`, framePackets(c.accessUnits.flatMap((a) => p.packetize(videoFrame(a.nalus, a.ptsMs, a.keyframe)))));
});
H265_CASES.forEach((c, i) => {
  const p = new H265Packetizer({ ...IDENTITY, mtu: c.mtu });
  add('rtp-h265', `case-${i}-mtu-${c.mtu}.bin`, framePackets(c.accessUnits.flatMap((a) => p.packetize(videoFrame(a.nalus, a.ptsMs, a.keyframe)))));
});
AAC_CASES.forEach((c, i) => {
  const p = new AacPacketizer({ ...IDENTITY, mtu: c.mtu, clockRate: c.clockRate });
  const frames = auFrames(c.auSizes, c.clockRate);
  add('rtp-aac', `case-${i}-mtu-${c.mtu}.bin`, framePackets(c.single ? frames.flatMap((f) => p.packetize(f)) : p.packetizeGroup(frames)));
});
for (const mtu of [200, 1400]) {
  const p = new MpaPacketizer({ ...IDENTITY, mtu });
  add('rtp-mpa', `mp3-frames-mtu-${mtu}.bin`, framePackets([0, 1, 2].flatMap((i) => p.packetize({ track: 'audio', dts: i * 26, pts: i * 26, keyframe: true, payload: Buffer.concat([hex('fffb9000'), Buffer.alloc(413, i)]) }))));
}
add('rtp-g711', 'pcmu-three-packets.bin', framePackets([0, 1, 2].map((i) => new RtpPacket({ payloadType: 0, sequenceNumber: i, timestamp: i * 160, ssrc: 1, payload: Buffer.alloc(160, i) }).encode())));
const raw = (pt: number, seq: number, ts: number, payload: Buffer, marker = false): Buffer => new RtpPacket({ marker, payloadType: pt, sequenceNumber: seq, timestamp: ts, ssrc: 5, payload }).encode();
add('rtp-h264', 'fu-a-start-without-end.bin', framePackets([raw(96, 1, 0, hex('7c85aabb')), raw(96, 2, 3600, hex('65cc'), true)]));
add('rtp-h264', 'fu-a-end-without-start.bin', framePackets([raw(96, 1, 0, hex('7c45aabb'), true)]));
add('rtp-h264', 'fu-a-start-and-end-bits.bin', framePackets([raw(96, 1, 0, hex('7cc5aabb'), true)]));
add('rtp-h264', 'stap-a-length-beyond.bin', framePackets([raw(96, 1, 0, hex('18 00ff 6742'), true)]));
add('rtp-h264', 'stap-a-zero-length-unit.bin', framePackets([raw(96, 1, 0, hex('18 0000 0002 6742'), true)]));
add('rtp-h264', 'reserved-types-30-31-and-0.bin', framePackets([raw(96, 1, 0, hex('1e00'), false), raw(96, 2, 0, hex('1f00'), false), raw(96, 3, 0, hex('00'), true)]));
add('rtp-h264', 'fu-a-one-byte.bin', framePackets([raw(96, 1, 0, hex('7c'), true)]));
add('rtp-h264', 'sequence-gap-mid-fu-a.bin', framePackets([raw(96, 1, 0, hex('7c85aa')), raw(96, 3, 0, hex('7c45bb'), true)]));
add('rtp-h265', 'fu-start-without-end.bin', framePackets([raw(96, 1, 0, hex('6201 93aabb')), raw(96, 2, 3600, hex('2601cc'), true)]));
add('rtp-h265', 'ap-length-beyond.bin', framePackets([raw(96, 1, 0, hex('6001 00ff 4001'), true)]));
add('rtp-h265', 'paci-type-50.bin', framePackets([raw(96, 1, 0, hex('6401 0000'), true)]));
add('rtp-h265', 'payload-one-byte.bin', framePackets([raw(96, 1, 0, hex('62'), true)]));
add('rtp-aac', 'au-headers-length-beyond.bin', framePackets([raw(97, 1, 0, hex('ffff 0010 aabb'), true)]));
add('rtp-aac', 'au-headers-length-0.bin', framePackets([raw(97, 1, 0, hex('0000 aabb'), true)]));
add('rtp-aac', 'fragment-without-start.bin', framePackets([raw(97, 1, 0, hex('0010 0fa0 aabb'), false), raw(97, 2, 0, hex('0010 0fa0 ccdd'), true)]));
add('rtp-mpa', 'frag-offset-beyond.bin', framePackets([raw(14, 1, 0, hex('0000ffff fffb9000 00'), true)]));
add('rtp-mpa', 'header-only.bin', framePackets([raw(14, 1, 0, hex('0000'), true)]));
add('rtp-g711', 'empty-payload.bin', framePackets([raw(0, 1, 0, Buffer.alloc(0), true)]));

// ---- MPEG-TS (the compressor's ffmpeg output pipe) ----
const hevcAac = readFileSync(fileURLToPath(new URL('../unit/protocols/mpegts/fixtures/hevc-aac.m2t', import.meta.url)));
add('mpegts', 'hevc-aac-first-40-packets.bin', hevcAac.subarray(0, 188 * 40));
add('mpegts', 'sync-lost-at-packet-3.bin', Buffer.concat([hevcAac.subarray(0, 188 * 2), hex('48'), hevcAac.subarray(188 * 2 + 1, 188 * 4)]));
add('mpegts', 'half-packet.bin', hevcAac.subarray(0, 94));
const tsPacket = (pid: number, pusi: boolean, afc: number, body: Buffer): Buffer => {
  const p = Buffer.alloc(188, 0xff);
  p[0] = 0x47;
  p[1] = (pusi ? 0x40 : 0) | ((pid >> 8) & 0x1f);
  p[2] = pid & 0xff;
  p[3] = (afc << 4) | 0;
  body.copy(p, 4, 0, Math.min(body.length, 184));
  return p;
};
add('mpegts', 'adaptation-field-length-183.bin', tsPacket(0x100, false, 3, hex('b7')));
add('mpegts', 'adaptation-field-length-255.bin', tsPacket(0x100, false, 3, hex('ff')));
add('mpegts', 'pat-section-length-beyond.bin', tsPacket(0, true, 1, hex('00 00b3ff 0001c10000 0001e100')));
add('mpegts', 'pmt-with-nine-streams.bin', Buffer.concat([
  tsPacket(0, true, 1, hex('00 00b00d 0001c10000 0001f000 2a' + 'b1046c')),
  tsPacket(0x1000, true, 1, Buffer.concat([hex('00 02b03b 0001c10000 e100f000'), ...Array.from({ length: 9 }, (_, i) => hex(`1be1${(i + 0x10).toString(16).padStart(2, '0')}f000`)), hex('00000000')])),
]));
add('mpegts', 'pes-header-length-beyond.bin', tsPacket(0x100, true, 1, hex('000001e0 0000 80c0ff')));
add('mpegts', 'pes-start-code-wrong.bin', tsPacket(0x100, true, 1, hex('000002e0 0000 8080 05 2100010001')));

// ---- WebSocket frames (the master's event socket reads a slave's frames) ----
const wsFrame = (first: number, payload: Buffer, lenBytes?: Buffer): Buffer => {
  const len = lenBytes ?? (payload.length < 126 ? Buffer.from([payload.length]) : payload.length < 65536 ? Buffer.from([126, payload.length >> 8, payload.length & 0xff]) : Buffer.concat([Buffer.from([127, 0, 0, 0, 0]), Buffer.from([(payload.length >>> 24) & 0xff, (payload.length >> 16) & 0xff, (payload.length >> 8) & 0xff, payload.length & 0xff])]));
  return Buffer.concat([Buffer.from([first]), len, payload]);
};
const event = text(JSON.stringify({ type: 'stream.published', factory: 'raw', path: 'site1/cam1' }));
add('websocket', 'text-event.bin', wsFrame(0x81, event));
add('websocket', 'text-event-126-byte-length.bin', wsFrame(0x81, Buffer.concat([event, Buffer.alloc(200, 0x20)])));
add('websocket', 'fragmented-with-ping-between.bin', Buffer.concat([wsFrame(0x01, event.subarray(0, 10)), wsFrame(0x89, text('p')), wsFrame(0x80, event.subarray(10))]));
add('websocket', 'continuation-without-start.bin', wsFrame(0x80, text('x')));
add('websocket', 'new-message-inside-fragmented.bin', Buffer.concat([wsFrame(0x01, text('a')), wsFrame(0x81, text('b'))]));
add('websocket', 'control-frame-over-125.bin', wsFrame(0x89, Buffer.alloc(126)));
add('websocket', 'control-frame-fragmented.bin', wsFrame(0x09, text('p')));
add('websocket', 'close-with-code-and-reason.bin', wsFrame(0x88, Buffer.concat([hex('03e8'), text('bye')])));
add('websocket', 'close-one-byte-payload.bin', wsFrame(0x88, hex('03')));
add('websocket', 'reserved-opcode-3.bin', wsFrame(0x83, text('x')));
add('websocket', 'rsv-bits-set.bin', wsFrame(0xf1, text('x')));
add('websocket', 'masked-server-frame.bin', encodeClientFrame(Opcode.Text, event, hex('01020304')));
add('websocket', 'length-64-bit-high-bit.bin', wsFrame(0x82, Buffer.alloc(0), hex('7f 8000000000000000')));
add('websocket', 'length-over-max-message.bin', wsFrame(0x82, Buffer.alloc(0), hex('7f 0000000000200000')));
add('websocket', 'length-126-form-for-small.bin', wsFrame(0x81, text('hi'), hex('7e0002')));
add('websocket', 'fragments-over-max-message.bin', Buffer.concat([wsFrame(0x02, Buffer.alloc(0), hex('7f 0000000000080000')), Buffer.alloc(0)]));

// ---- HTTP API bodies (JSON sent to POST/PUT/PATCH of sites, cameras and profiles) ----
const body = (s: string): Buffer => Buffer.from(s, 'utf8');
add('http-api-body', 'camera-valid.bin', body('{"enabled":true,"publishKey":"k","profile":"low"}'));
add('http-api-body', 'site-valid.bin', body('{"id":"north","name":"North"}'));
add('http-api-body', 'profile-valid.bin', body('{"codec":"h264","bitrateKbps":200,"height":240}'));
add('http-api-body', 'empty-object.bin', body('{}'));
add('http-api-body', 'empty.bin', body(''));
add('http-api-body', 'whitespace-only.bin', body(' \r\n\t'));
add('http-api-body', 'array.bin', body('[1,2,3]'));
add('http-api-body', 'null.bin', body('null'));
add('http-api-body', 'string.bin', body('"camera"'));
add('http-api-body', 'number-overflow.bin', body('{"bitrateKbps":1e309,"height":-0}'));
add('http-api-body', 'nested-arrays-10000.bin', body(`${'['.repeat(10000)}${']'.repeat(10000)}`));
add('http-api-body', 'nested-objects-2000.bin', body(`${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`));
add('http-api-body', 'proto-pollution.bin', body('{"__proto__":{"enabled":false,"admin":true},"constructor":{"prototype":{"x":1}}}'));
add('http-api-body', 'id-path-traversal.bin', body('{"id":"../../etc/passwd","site":"..","name":"a/b"}'));
add('http-api-body', 'revision-not-a-number.bin', body('{"revision":"7","enabled":true}'));
add('http-api-body', 'revision-negative-huge.bin', body('{"revision":-9007199254740993}'));
add('http-api-body', 'wrong-types-everywhere.bin', body('{"enabled":"yes","publishKey":5,"profile":[],"codec":{},"height":"240","gopFrames":true}'));
add('http-api-body', 'unicode-and-nul.bin', body('{"name":"caméra \\u0000 \\ud800","id":"s\\u0000"}'));
add('http-api-body', 'bom-prefix.bin', Buffer.concat([hex('efbbbf'), body('{"enabled":true}')]));
add('http-api-body', 'invalid-json-trailing-comma.bin', body('{"enabled":true,}'));
add('http-api-body', 'invalid-utf8.bin', hex('7b226e616d65223a22ff fe22 7d'));
add('http-api-body', 'compression-read-only-field.bin', body('{"enabled":true,"compression":{"state":"running"}}'));
add('http-api-body', 'long-string-field.bin', body(`{"publishKey":"${'k'.repeat(5000)}"}`));

for (const [target, files] of Object.entries(corpus)) {
  const dir = join(CORPUS, target);
  mkdirSync(dir, { recursive: true });
  for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
}
console.log(Object.entries(corpus).map(([t, f]) => `${t}: ${Object.keys(f).length}`).join('\n'));
