/**
 * Fuzz of the codec bitstream parsers (SPS, AudioSpecificConfig, ADTS, Annex B): seeded mutations
 * of the real encoder output used by the unit tests. Invariant: only ProtocolError is thrown.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAdtsHeader } from '../../protocols/codecs/aac/adts.ts';
import { parseAudioSpecificConfig } from '../../protocols/codecs/aac/audio-specific-config.ts';
import { removeEmulationPrevention, splitAnnexB } from '../../protocols/codecs/annexb.ts';
import { parseH264Sps } from '../../protocols/codecs/h264/sps.ts';
import { parseH265Sps } from '../../protocols/codecs/h265/sps.ts';
import { parseMpegAudioFrameHeader } from '../../protocols/codecs/mpeg-audio/frame-header.ts';
import { FUZZ_ITERATIONS, mutateBytes, onlyProtocolError } from '../unit/protocols/rtp/fuzz-helpers.ts';
import { pick, prng } from '../helpers/random.ts';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');
// Real SPS from x264/x265 (see test/unit/protocols/codecs/h26x/sps.test.ts).
const H264_SPS = ['6764001facd9405005bb011000000300100000030320f1831960', '67640028acd940780227e5c044000003000400000300f03c60c658', '677a000dbcd94141fb011000000300100000030320f1429960', '6764001eacd940b424d8088000000300800000190f8a14cb'].map(hex);
const H265_SPS = ['42010101600000030090000003000003005da00280802d165959a4932bc04040000003004000000642', '4201010408000003009d0800000300003cb00a080f165959a4932bc04040000003004000000642', '42010201600000030090000003000003003c0000a00b080485965662b3492657808080000003008000000f04'].map(hex);
const ASC = ['1210', '1190', '17802af808', '2b118800', '121056e500'].map(hex);
const ADTS = ['fff150802a7ffc', 'fff050802a7ffc1234'].map(hex);

const targets: { name: string; seeds: Buffer[]; run: (b: Buffer) => unknown }[] = [
  { name: 'parseH264Sps', seeds: H264_SPS, run: parseH264Sps },
  { name: 'parseH265Sps', seeds: H265_SPS, run: parseH265Sps },
  { name: 'parseAudioSpecificConfig', seeds: ASC, run: parseAudioSpecificConfig },
  { name: 'parseAdtsHeader', seeds: ADTS, run: (b) => parseAdtsHeader(b) },
  { name: 'parseMpegAudioFrameHeader', seeds: ['fffb9000', 'fff340c4', 'fffda404'].map(hex), run: (b) => parseMpegAudioFrameHeader(b) },
  {
    name: 'splitAnnexB + removeEmulationPrevention',
    seeds: [Buffer.concat([hex('00000001'), H264_SPS[0]!, hex('000001'), hex('68ebe3cb22c0')])],
    run: (b) => {
      const units = splitAnnexB(b);
      for (const u of units) {
        assert.ok(u.length > 0);
        assert.ok(removeEmulationPrevention(u).length <= u.length);
      }
    },
  },
];

for (const t of targets) {
  test(`fuzz ${t.name}: only ProtocolError (${FUZZ_ITERATIONS} iterations)`, () => {
    const rnd = prng(0xc0dec + t.name.length);
    for (let i = 0; i < FUZZ_ITERATIONS; i++) {
      const input = mutateBytes(pick(t.seeds, rnd), rnd, 6);
      onlyProtocolError(() => t.run(input), `${t.name} ${input.toString('hex')}`);
    }
  });
}
