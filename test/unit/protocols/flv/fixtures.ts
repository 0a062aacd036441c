/**
 * Parameter sets captured from the bundled ffmpeg 4.1:
 *   ffmpeg -f lavfi -i testsrc2=size=64x48:rate=10 -frames:v 2 -c:v libx264 -f h264
 *   ffmpeg -f lavfi -i testsrc2=size=64x48:rate=10 -frames:v 1 -c:v libx265 -f hevc
 */
import { joinLengthPrefixed } from '../../../../protocols/media/frame.ts';

export const H264_SPS = Buffer.from('6764000aacd9447b011000000300100000030140f1225960', 'hex'); // High, level 1.0, 64x48
export const H264_PPS = Buffer.from('68ebe3cb22c0', 'hex');
export const H265_VPS = Buffer.from('40010c01ffff01600000030090000003000003001e959809', 'hex');
export const H265_SPS = Buffer.from('42010101600000030090000003000003001ea02083165959ae4caf01010000030001000003000a08', 'hex'); // Main, 64x48
export const H265_PPS = Buffer.from('4401c173d089', 'hex');
/** AAC LC, 44.1 kHz, mono (ffmpeg's aac encoder). */
export const AAC_LC_44100_MONO = Buffer.from('1208', 'hex');
/** AAC LC, 48 kHz, stereo. */
export const AAC_LC_48000_STEREO = Buffer.from('1190', 'hex');

/** A fake H.264 IDR slice and non-IDR slice (NAL header + filler bytes). */
export const H264_IDR = Buffer.from('65888400', 'hex');
export const H264_NON_IDR = Buffer.from('419a216c', 'hex');
/** H.265 IDR_W_RADL (type 19) and TRAIL_R (type 1). */
export const H265_IDR = Buffer.from('2601af11', 'hex');
export const H265_TRAIL = Buffer.from('0201d002', 'hex');

/** 4-byte length-prefixed access unit from NAL units. */
export function au(...nalus: Buffer[]): Buffer {
  return joinLengthPrefixed(nalus);
}
