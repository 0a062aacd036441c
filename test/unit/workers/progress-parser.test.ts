import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressParser, parseBitrate, parseSpeed, MAX_PROGRESS_LINE_CHARS, type ProgressReport } from '../../../workers/progress-parser.ts';

// Two blocks as ffmpeg 4.1 prints them (captured from `-progress pipe:3`).
const SAMPLE =
  'frame=11\nfps=10.82\nstream_0_0_q=0.0\nbitrate=N/A\ntotal_size=274\nout_time_us=0\nout_time_ms=0\n' +
  'out_time=00:00:00.000000\ndup_frames=0\ndrop_frames=0\nspeed=   0x\nprogress=continue\n' +
  'frame=12\nfps=9.87\nstream_0_0_q=-1.0\nbitrate= 123.6kbits/s\ntotal_size=13917\nout_time_us=901000\n' +
  'out_time_ms=901000\nout_time=00:00:00.901000\ndup_frames=2\ndrop_frames=3\nspeed=0.741x\nprogress=end\n';

const WANT: ProgressReport[] = [
  { frame: 11, fps: 10.82, bitrateBps: 0, totalSizeBytes: 274, outTimeUs: 0, dupFrames: 0, dropFrames: 0, speed: 0, end: false },
  { frame: 12, fps: 9.87, bitrateBps: 123_600, totalSizeBytes: 13917, outTimeUs: 901000, dupFrames: 2, dropFrames: 3, speed: 0.741, end: true },
];

function parse(pieces: readonly string[]): ProgressReport[] {
  const out: ProgressReport[] = [];
  const p = new ProgressParser((r) => out.push(r));
  for (const piece of pieces) p.push(piece);
  return out;
}

describe('ProgressParser', () => {
  it('whole input', () => assert.deepEqual(parse([SAMPLE]), WANT));

  it('split at every offset', () => {
    for (let i = 0; i <= SAMPLE.length; i++) {
      assert.deepEqual(parse([SAMPLE.slice(0, i), SAMPLE.slice(i)]), WANT, `split at ${i}`);
    }
  });

  it('one character at a time', () => assert.deepEqual(parse([...SAMPLE]), WANT));

  it('Buffers, unmodified', () => {
    const buf = Buffer.from(SAMPLE);
    const copy = Buffer.from(buf);
    const out: ProgressReport[] = [];
    new ProgressParser((r) => out.push(r)).push(buf);
    assert.deepEqual(out, WANT);
    assert.deepEqual(buf, copy);
  });

  it('CRLF line ends', () => assert.deepEqual(parse([SAMPLE.replaceAll('\n', '\r\n')]), WANT));

  it('drops garbage and over-long lines without losing the next block', () => {
    const junk = 'x'.repeat(MAX_PROGRESS_LINE_CHARS * 3) + '\nno equals sign\n=novalue\n';
    assert.deepEqual(parse([junk, SAMPLE]), WANT);
    assert.deepEqual(parse(['y'.repeat(MAX_PROGRESS_LINE_CHARS + 5), '\n', SAMPLE]), WANT);
  });
});

describe('value parsers', () => {
  it('bitrate', () => {
    assert.equal(parseBitrate('N/A'), 0);
    assert.equal(parseBitrate(' 123.6kbits/s'), 123_600);
    assert.equal(parseBitrate('2.5Mbits/s'), 2_500_000);
    assert.equal(parseBitrate('800bits/s'), 800);
  });
  it('speed', () => {
    assert.equal(parseSpeed('   0x'), 0);
    assert.equal(parseSpeed('1.01x'), 1.01);
    assert.equal(parseSpeed('N/A'), 0);
  });
});
