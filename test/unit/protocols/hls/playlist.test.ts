import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockingSatisfied, mediaPlaylist, multivariantPlaylist, parseMediaFile } from '../../../../protocols/hls/playlist.ts';
import type { HlsPart, HlsSegment } from '../../../../protocols/hls/ll-hls-segmenter.ts';

const part = (msn: number, index: number, durationMs = 200, independent = index === 0): HlsPart => ({ msn, index, durationMs, independent, data: Buffer.alloc(0), frames: 5 });
const segment = (msn: number, parts = 5): HlsSegment => {
  const ps = Array.from({ length: parts }, (_, i) => part(msn, i));
  return { msn, parts: ps, durationMs: parts * 200, independent: true };
};

test('media playlist: header, server control, map, parts of the last two segments and the open one, preload hint', () => {
  const text = mediaPlaylist({ targetDurationS: 2, partTargetS: 0.2, segments: [segment(4), segment(5), segment(6)], openParts: [part(7, 0), part(7, 1, 240, false)], nextMsn: 7 });
  assert.equal(
    text,
    [
      '#EXTM3U',
      '#EXT-X-VERSION:9',
      '#EXT-X-TARGETDURATION:2',
      '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.600',
      '#EXT-X-PART-INF:PART-TARGET=0.200',
      '#EXT-X-MEDIA-SEQUENCE:4',
      '#EXT-X-MAP:URI="init.mp4"',
      '#EXTINF:1.000,',
      's4.m4s',
      ...[5, 6].flatMap((m) => [
        `#EXT-X-PART:DURATION=0.200,URI="p${m}.0.m4s",INDEPENDENT=YES`,
        ...[1, 2, 3, 4].map((i) => `#EXT-X-PART:DURATION=0.200,URI="p${m}.${i}.m4s"`),
        '#EXTINF:1.000,',
        `s${m}.m4s`,
      ]),
      '#EXT-X-PART:DURATION=0.200,URI="p7.0.m4s",INDEPENDENT=YES',
      '#EXT-X-PART:DURATION=0.240,URI="p7.1.m4s"',
      '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="p7.2.m4s"',
      '',
    ].join('\n'),
  );
});

test('media playlist: an empty window starts at the next msn; the query goes on every URI', () => {
  const text = mediaPlaylist({ targetDurationS: 2, partTargetS: 0.2, segments: [], openParts: [part(0, 0)], nextMsn: 0, query: 'token=abc' });
  assert.match(text, /#EXT-X-MEDIA-SEQUENCE:0\n/);
  assert.match(text, /#EXT-X-MAP:URI="init\.mp4\?token=abc"/);
  assert.match(text, /URI="p0\.0\.m4s\?token=abc",INDEPENDENT=YES/);
  assert.match(text, /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="p0\.1\.m4s\?token=abc"/);
});

test('multivariant playlist: bandwidth, CODECS, resolution', () => {
  assert.equal(
    multivariantPlaylist({ bandwidth: 1_234_567.8, codecs: ['avc1.64001F', 'mp4a.40.2'], width: 1280, height: 720, query: 'token=t' }),
    '#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-STREAM-INF:BANDWIDTH=1234568,CODECS="avc1.64001F,mp4a.40.2",RESOLUTION=1280x720\nstream.m3u8?token=t\n',
  );
  assert.equal(multivariantPlaylist({ bandwidth: 0, codecs: [] }), '#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-STREAM-INF:BANDWIDTH=1\nstream.m3u8\n');
});

test('blocking reload is satisfied once the playlist holds the segment (or part) asked for, or a later one', () => {
  const cases: [nextMsn: number, openParts: number, msn: number, part: number | undefined, expected: boolean][] = [
    [5, 0, 4, undefined, true], // segment 4 complete
    [5, 3, 5, undefined, false], // segment 5 still open
    [5, 3, 5, 2, true], // part 5.2 exists
    [5, 3, 5, 3, false], // part 5.3 is the preload hint
    [5, 0, 4, 9, true], // segment 4 closed with fewer parts: a later one exists
    [5, 0, 6, 0, false],
  ];
  for (const [next, open, msn, p, expected] of cases) assert.equal(blockingSatisfied(next, open, msn, p), expected, JSON.stringify({ next, open, msn, p }));
});

test('media file names', () => {
  const cases: [string, ReturnType<typeof parseMediaFile>][] = [
    ['s12.m4s', { msn: 12 }],
    ['p12.3.m4s', { msn: 12, part: 3 }],
    ['p12.m4s', null],
    ['s-1.m4s', null],
    ['s1.m4s/..', null],
    ['init.mp4', null],
    ['s1234567890.m4s', null],
  ];
  for (const [name, expected] of cases) assert.deepEqual(parseMediaFile(name), expected, name);
});
