/** Limits of the chunk layer (RTMP spec §5.3 / §5.4.1). */

/** Set Chunk Size bounds: 1 .. 0x7FFFFFFF (bit 31 must be zero, §5.4.1). */
export const MIN_CHUNK_SIZE = 1;
export const MAX_CHUNK_SIZE = 0x7fffffff;
/** Chunk size of both directions until a Set Chunk Size arrives. */
export const DEFAULT_CHUNK_SIZE = 128;
/** Largest chunk stream id a 3-byte basic header can carry (64 + 65535). */
export const MAX_CHUNK_STREAM_ID = 65599;
/** Timestamp field value that announces a 4-byte extended timestamp. */
export const EXTENDED_TIMESTAMP_MARKER = 0xffffff;

/** Default largest message body accepted: 8 MiB (a large 4K intra frame stays well below). */
export const MAX_MESSAGE_SIZE = 8 * 1024 * 1024;
/** Default number of distinct chunk stream ids one peer may use (Flash/ffmpeg/OBS use < 10). */
export const MAX_CHUNK_STREAMS = 64;
/** Default bound of the bytes held in partial messages across all chunk streams of a peer. */
export const MAX_BUFFERED_MESSAGE_BYTES = 16 * 1024 * 1024;

export interface ChunkLimits {
  /** Largest message body. Defaults to MAX_MESSAGE_SIZE (8 MiB). */
  readonly maxMessageBytes?: number;
  /** Distinct chunk stream ids tracked. Defaults to MAX_CHUNK_STREAMS (64). */
  readonly maxChunkStreams?: number;
  /** Bytes held in incomplete messages. Defaults to MAX_BUFFERED_MESSAGE_BYTES (16 MiB). */
  readonly maxBufferedBytes?: number;
}
