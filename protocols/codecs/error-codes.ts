/** Error codes of protocols/codecs; every code is listed in docs/errors.md. */
export const CODEC_ERROR_CODES = [
  'CODEC_BITSTREAM_TRUNCATED',
  'CODEC_BITSTREAM_INVALID',
  'CODEC_SPS_INVALID',
  'CODEC_AUDIO_CONFIG_INVALID',
  'CODEC_ADTS_INVALID',
  'CODEC_MPEG_AUDIO_HEADER_INVALID',
] as const;

export type CodecErrorCode = (typeof CODEC_ERROR_CODES)[number];
