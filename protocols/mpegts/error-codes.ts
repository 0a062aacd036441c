/**
 * Error codes of protocols/mpegts (the compressor's reader of its own ffmpeg's MPEG-TS output, for
 * H.265); every code is listed in docs/errors.md. Any of them restarts that ffmpeg.
 */
export const MPEGTS_ERROR_CODES = ['MPEGTS_SYNC_LOST', 'MPEGTS_PACKET_INVALID', 'MPEGTS_PES_INVALID', 'MPEGTS_PES_TOO_LARGE'] as const;

export type MpegTsErrorCode = (typeof MPEGTS_ERROR_CODES)[number];
