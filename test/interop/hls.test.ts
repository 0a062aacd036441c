/**
 * LL-HLS (issue 12) with real clients: the bundled ffmpeg reads the playlist and decodes its frames;
 * it also decodes the init segment + media fragments the fMP4 muxer wrote, as one file; blocking
 * playlist reload (_HLS_msn/_HLS_part) waits until the part exists and answers at once when it
 * does; bad input gets 404/400 and the others keep being served.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decoderErrors, killAllFfmpeg, readWithFfmpeg, runFfmpeg, syntheticCameraArgs } from '../helpers/ffmpeg.ts';
import { startServer, stopAllServers, waitFor, type ServerProcess } from '../helpers/server.ts';

const CAM = 'site1/cam1';

async function get(url: string, timeoutMs = 10_000): Promise<{ status: number; text: string; body: Buffer; headers: Headers; ms: number }> {
  const t0 = Date.now();
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, text: body.toString('utf8'), body, headers: res.headers, ms: Date.now() - t0 };
}

/** The live edge of a media playlist: the msn and part index of its preload hint. */
function preloadHint(playlist: string): { msn: number; part: number } {
  const m = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="p(\d+)\.(\d+)\.m4s/.exec(playlist);
  assert.ok(m, `no preload hint in:\n${playlist}`);
  return { msn: Number(m[1]), part: Number(m[2]) };
}

describe('LL-HLS', { timeout: 180_000 }, () => {
  let server: ServerProcess;
  let dir: string;
  const hls = (file: string, factory = 'raw', cam = CAM): string => server.apiUrl(`/hls/${factory}/${cam}/${file}`);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cupola-hls-'));
    server = await startServer({ args: ['--no-compress'] });
    runFfmpeg(syntheticCameraArgs(server.rtmpUrl(CAM), { size: '320x240', fps: 25, gop: 25 }));
    await waitFor(async () => (await get(hls('index.m3u8'))).status === 200, 30_000, 'the HLS playlist of the live camera');
    // A muxer's first plain playlist request waits for its first whole segment.
    const first = await get(hls('stream.m3u8'));
    assert.equal(first.status, 200);
    assert.match(first.text, /^s\d+\.m4s$/m);
  });

  after(async () => {
    await killAllFfmpeg();
    await stopAllServers();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a multivariant playlist with CODECS and CORS, and a media playlist with parts', async () => {
    const index = await get(hls('index.m3u8'));
    assert.equal(index.headers.get('content-type'), 'application/vnd.apple.mpegurl');
    assert.equal(index.headers.get('access-control-allow-origin'), '*');
    assert.match(index.text, /CODECS="avc1\.[0-9A-F]{6},mp4a\.40\.2"/);
    assert.match(index.text, /RESOLUTION=320x240/);
    const media = await get(hls('stream.m3u8'));
    assert.match(media.text, /#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=/);
    assert.match(media.text, /#EXT-X-PART-INF:PART-TARGET=0\.200/);
    assert.match(media.text, /#EXT-X-MAP:URI="init\.mp4"/);
    assert.match(media.text, /#EXT-X-PART:DURATION=0\.\d{3},URI="p\d+\.\d+\.m4s",INDEPENDENT=YES/);
  });

  it('the bundled ffmpeg reads the playlist and decodes its frames', async () => {
    const read = await readWithFfmpeg(hls('index.m3u8'), { frames: 50, timeoutMs: 60_000 });
    assert.ok(read.videoFrames >= 50, `decoded ${read.videoFrames} frames; stderr:\n${read.stderr.slice(-2000)}`);
    assert.equal(read.codec, 'h264');
    assert.equal(read.width, 320);
    assert.equal(read.audioCodec, 'aac');
    assert.deepEqual(decoderErrors(read.stderr), []);
  });

  it('the bundled ffmpeg decodes the init segment and fragments the muxer wrote, as one file', async () => {
    const media = await waitFor(async () => {
      const m = await get(hls('stream.m3u8'));
      return [...m.text.matchAll(/^s(\d+)\.m4s$/gm)].length >= 2 ? m.text : null;
    }, 30_000, 'two complete segments');
    const segments = [...media.matchAll(/^(s\d+\.m4s)$/gm)].map((m) => m[1]!);
    const parts = [(await get(hls('init.mp4'))).body];
    for (const s of segments.slice(-2)) parts.push((await get(hls(s))).body);
    const file = join(dir, 'joined.mp4');
    writeFileSync(file, Buffer.concat(parts));
    const read = await readWithFfmpeg(file, { frames: 1000, timeoutMs: 30_000 });
    assert.ok(read.videoFrames >= 25, `decoded ${read.videoFrames} frames of two ~1 s segments; stderr:\n${read.stderr.slice(-2000)}`);
    assert.equal(read.width, 320);
    assert.deepEqual(decoderErrors(read.stderr), []);
  });

  it('blocking reload: _HLS_msn/_HLS_part waits until that part exists, and answers at once when it does', async () => {
    const now = preloadHint((await get(hls('stream.m3u8'))).text);
    // Two parts past the live edge: at 200 ms per part, that takes a while to exist.
    const ahead = { msn: now.msn, part: now.part + 2 };
    const blocked = await get(hls(`stream.m3u8?_HLS_msn=${ahead.msn}&_HLS_part=${ahead.part}`));
    assert.equal(blocked.status, 200);
    assert.ok(blocked.ms >= 150, `answered after ${blocked.ms} ms: it should have waited for the part`);
    // It holds that part (or the segment closed first, at a keyframe: then the next segment's).
    const hint = preloadHint(blocked.text);
    assert.ok(hint.msn > ahead.msn || hint.part > ahead.part, `the playlist's edge ${JSON.stringify(hint)} is past the part asked for ${JSON.stringify(ahead)}`);
    const again = await get(hls(`stream.m3u8?_HLS_msn=${ahead.msn}&_HLS_part=${ahead.part}`));
    assert.equal(again.status, 200);
    assert.ok(again.ms < 150 + 1000, `an existing part is answered at once (took ${again.ms} ms)`);
    // The preload-hinted part itself blocks the same way and is a media fragment when it comes.
    const next = preloadHint(again.text);
    const part = await get(hls(`p${next.msn}.${next.part}.m4s`));
    assert.equal(part.status, 200);
    assert.equal(part.body.subarray(4, 8).toString('latin1'), 'moof');
  });

  it('the camera\'s URL set (and its best URL) carries the HLS playlist URLs, and they play', async () => {
    const urls = JSON.parse((await get(server.apiUrl(`/api/v1/cameras/${CAM}/urls`))).text) as {
      nodes: { hlsRaw: { internal: string }; hlsCompressed: { internal: string } }[];
      best: { raw: { hls: { internal: string } } | null };
    };
    const self = urls.nodes[0]!;
    assert.equal(self.hlsRaw.internal, hls('index.m3u8'));
    assert.equal(self.hlsCompressed.internal, hls('index.m3u8', 'compressed'));
    assert.equal(urls.best.raw?.hls.internal, self.hlsRaw.internal);
    assert.equal((await get(self.hlsRaw.internal)).status, 200);
  });

  it('bad input: unknown camera 404, not live 404, a far-future _HLS_msn 400, an unknown file 404; the stream keeps being served', async () => {
    assert.equal((await get(hls('index.m3u8', 'raw', 'site1/nope'))).status, 404);
    const notLive = await get(hls('index.m3u8', 'compressed'));
    assert.equal(notLive.status, 404);
    assert.match(notLive.text, /not live/);
    assert.equal((await get(hls('index.m3u8', 'elsewhere'))).status, 404);
    const far = await get(hls('stream.m3u8?_HLS_msn=999999'));
    assert.equal(far.status, 400);
    assert.equal((await get(hls('../../etc/passwd'))).status, 404);
    assert.equal((await get(hls('p1.x.m4s'))).status, 404);
    assert.equal((await get(hls('stream.m3u8'))).status, 200);
  });
});
