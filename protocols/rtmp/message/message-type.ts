/** RTMP message type ids (RTMP spec §5.4, §7.1). */
export const MessageType = {
  SetChunkSize: 1,
  Abort: 2,
  Acknowledgement: 3,
  UserControl: 4,
  WindowAckSize: 5,
  SetPeerBandwidth: 6,
  Audio: 8,
  Video: 9,
  DataAmf3: 15,
  SharedObjectAmf3: 16,
  CommandAmf3: 17,
  DataAmf0: 18,
  SharedObjectAmf0: 19,
  CommandAmf0: 20,
  Aggregate: 22,
} as const;

/** User Control Message event types (RTMP spec §7.1.7). */
export const UserControlEvent = {
  StreamBegin: 0,
  StreamEof: 1,
  StreamDry: 2,
  SetBufferLength: 3,
  StreamIsRecorded: 4,
  PingRequest: 6,
  PingResponse: 7,
} as const;

/** Set Peer Bandwidth limit types (RTMP spec §5.4.5). */
export const PeerBandwidthLimit = {
  Hard: 0,
  Soft: 1,
  Dynamic: 2,
} as const;

/** The chunk stream ids we send on (ffmpeg's choice; peers accept any). */
export const ChunkStreamId = {
  /** Protocol control messages must use chunk stream 2 (§5.4). */
  ProtocolControl: 2,
  Command: 3,
  Audio: 4,
  Data: 5,
  Video: 6,
} as const;
