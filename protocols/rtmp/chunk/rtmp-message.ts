/** One RTMP message as the chunk layer delivers it (RTMP spec §5.3.1 / §6.1). */
export interface RtmpMessage {
  /** Chunk stream the message arrived on (2..65599). */
  readonly chunkStreamId: number;
  /** 32-bit timestamp in milliseconds (absolute, after applying deltas; wraps at 2^32). */
  readonly timestamp: number;
  /** Message type id (MessageType). */
  readonly typeId: number;
  /** Message stream id (0 for NetConnection traffic, 1.. for NetStreams). */
  readonly messageStreamId: number;
  /** The message body: a view into received data when it came in one piece, else one copy. */
  readonly payload: Buffer;
}
