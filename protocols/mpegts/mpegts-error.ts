/**
 * Errors of the compressor's MPEG-TS reader. Not a ProtocolError: protocols/ lists no MPEG-TS area
 * and this reader only ever sees our own ffmpeg's output; any of these restarts that ffmpeg.
 */
export const MPEGTS_ERROR_CODES = ['MPEGTS_SYNC_LOST', 'MPEGTS_PACKET_INVALID', 'MPEGTS_PES_INVALID', 'MPEGTS_PES_TOO_LARGE'] as const;
export type MpegTsErrorCode = (typeof MPEGTS_ERROR_CODES)[number];

export class MpegTsError extends Error {
  override readonly name = 'MpegTsError';
  constructor(
    readonly code: MpegTsErrorCode,
    message: string,
  ) {
    super(message);
  }
}
