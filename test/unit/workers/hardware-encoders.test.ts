import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hardwareEncoderProblem, parseEncoderList } from '../../../workers/hardware-encoders.ts';

// The head of `ffmpeg -hide_banner -encoders` from the bundled ffmpeg 4.1 (johnvansickle static build).
const LISTING = [
  'Encoders:',
  ' V..... = Video',
  ' A..... = Audio',
  ' ------',
  ' V..... libx264              libx264 H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10 (codec h264)',
  ' V..... h264_vaapi           H.264/AVC (VAAPI) (codec h264)',
  ' V..... libx265              libx265 H.265 / HEVC (codec hevc)',
  ' A....D aac                  AAC (Advanced Audio Coding)',
  '',
].join('\n');

describe('parseEncoderList', () => {
  it('reads the names after the separator, not the legend', () => {
    assert.deepEqual([...parseEncoderList(LISTING)], ['libx264', 'h264_vaapi', 'libx265', 'aac']);
  });
  it('garbage gives an empty set', () => assert.equal(parseEncoderList('command not found\n').size, 0));
});

describe('hardwareEncoderProblem', () => {
  const encoders = parseEncoderList(LISTING);
  it('software codecs always run', () => {
    assert.equal(hardwareEncoderProblem('h264', { encoders: new Set(), deviceAccessible: false }), null);
    assert.equal(hardwareEncoderProblem('h265', { encoders: null, deviceAccessible: false }), null);
  });
  it('vaapi with the encoder and the device: runs', () => {
    assert.equal(hardwareEncoderProblem('h264_vaapi', { encoders, deviceAccessible: true }), null);
  });
  it('an ffmpeg without the encoder: says so and names the software codec', () => {
    const p = hardwareEncoderProblem('hevc_vaapi', { encoders, deviceAccessible: true }, '/opt/ffmpeg');
    assert.match(p ?? '', /\/opt\/ffmpeg has no hevc_vaapi encoder.*use codec h265/);
  });
  it('no render node, or no permission on it: says which', () => {
    assert.match(hardwareEncoderProblem('h264_vaapi', { encoders, deviceAccessible: false, deviceError: 'ENOENT' }) ?? '', /\/dev\/dri\/renderD128 does not exist.*use codec h264/);
    assert.match(hardwareEncoderProblem('h264_vaapi', { encoders, deviceAccessible: false, deviceError: 'EACCES' }) ?? '', /not readable and writable.*render or video group/);
  });
  it('an unreadable encoder list does not block: the device decides', () => {
    assert.equal(hardwareEncoderProblem('h264_vaapi', { encoders: null, deviceAccessible: true }), null);
  });
});
