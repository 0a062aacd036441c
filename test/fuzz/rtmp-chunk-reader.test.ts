/**
 * Fuzz of the RTMP ingest path: chunk reader -> server session -> FlvToFrames, seeded from a real
 * publish conversation (our client session's bytes) with mutations and random segmentation.
 * Invariants: only ProtocolError is thrown, parsing terminates, buffered bytes stay bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkReader } from '../../protocols/rtmp/chunk/chunk-reader.ts';
import { ClientSession } from '../../protocols/rtmp/session/client-session.ts';
import { ServerSession } from '../../protocols/rtmp/session/server-session.ts';
import { FlvToFrames } from '../../protocols/flv/to-frames.ts';
import { videoFrameTagParts, videoSequenceHeaderBody } from '../../protocols/flv/video-tag-writer.ts';
import { audioSequenceHeaderBody } from '../../protocols/flv/audio-tag-writer.ts';
import { encodeAmf0 } from '../../protocols/rtmp/amf0/amf0-encoder.ts';
import { FUZZ_ITERATIONS, mutate, onlyProtocolError } from '../unit/protocols/rtmp/fuzz-helpers.ts';
import { prng } from '../helpers/random.ts';
import { randomSegments } from '../helpers/feed.ts';
import { AAC_LC_44100_MONO, au, H264_IDR, H264_PPS, H264_SPS } from '../unit/protocols/flv/fixtures.ts';

/** Everything a publishing client sends after the handshake: commands, metadata, headers, frames. */
function publishConversation(chunkSize: number): Buffer {
  const up: Buffer[] = [];
  const down: Buffer[] = [];
  const client = new ClientSession(
    { mode: 'publish', app: 'site1', tcUrl: 'rtmp://h/site1', streamName: 'cam1?key=k', chunkSize },
    (b) => up.push(...b),
    () => {},
  );
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
  assert.equal(client.state, 'started');
  client.sendMedia(18, 0, encodeAmf0('@setDataFrame', 'onMetaData', { width: 64, height: 48 }));
  client.sendMedia(9, 0, videoSequenceHeaderBody({ codec: 'h264', sps: H264_SPS, pps: H264_PPS })!);
  client.sendMedia(8, 0, audioSequenceHeaderBody({ codec: 'aac', sampleRate: 44100, channels: 1, config: AAC_LC_44100_MONO })!);
  for (let i = 0; i < 4; i++) {
    const frame = { track: 'video' as const, dts: i * 40, pts: i * 40 + 80, keyframe: i === 0, payload: au(H264_IDR, Buffer.alloc(300 * i, i)) };
    client.sendMedia(9, i * 40, videoFrameTagParts('h264', frame));
    client.sendMedia(8, i * 23, Buffer.from('af012110', 'hex'));
  }
  sent.push(...up.splice(0));
  return Buffer.concat(sent);
}

const MAX_BUFFERED = 64 * 1024;

test('fuzz: chunk reader + server session + FlvToFrames take only ProtocolErrors', () => {
  const seeds = [publishConversation(128), publishConversation(4096), publishConversation(60)];
  const rnd = prng(0x52544d50);
  for (let i = 0; i < FUZZ_ITERATIONS; i++) {
    const seed = seeds[i % seeds.length]!;
    const input = mutate(seed, rnd, 1 + (i % 8));
    const context = `iteration ${i}`;
    let reader: ChunkReader | undefined;
    onlyProtocolError(() => {
      const flv = new FlvToFrames();
      const server = new ServerSession(() => {}, (e) => {
        if (e.type === 'publish-requested') server.acceptPublish(e.streamId);
        if (e.type === 'media') flv.pushTag(e.tagType, e.timestamp, e.body);
      });
      reader = new ChunkReader((m) => server.handleMessage(m), { maxBufferedBytes: MAX_BUFFERED, maxMessageBytes: MAX_BUFFERED });
      for (const piece of randomSegments(input, rnd)) {
        reader.push(piece);
        assert.ok(reader.bufferedBytes <= MAX_BUFFERED + 64 + input.length, `${context}: buffered ${reader.bufferedBytes}`);
      }
    }, context, { target: 'rtmp-chunk', input });
  }
});

test('fuzz: random bytes into the chunk reader', () => {
  const rnd = prng(7);
  for (let i = 0; i < FUZZ_ITERATIONS; i++) {
    const input = Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 400) }, () => Math.floor(rnd() * 256)));
    onlyProtocolError(() => {
      const reader = new ChunkReader(() => {}, { maxBufferedBytes: 4096, maxMessageBytes: 4096 });
      reader.push(input);
      assert.ok(reader.bufferedBytes <= input.length);
    }, `random ${i}`, { target: 'rtmp-chunk', input });
  }
});
