/**
 * Protocol control messages (RTMP spec §5.4: types 1, 2, 3, 5, 6) and User Control messages
 * (§7.1.7: type 4): decoding from RtmpMessage and encoding as OutgoingMessage on chunk stream 2,
 * message stream 0.
 */
import { ProtocolError } from '../../errors.ts';
import type { RtmpMessage } from '../chunk/rtmp-message.ts';
import type { OutgoingMessage } from '../chunk/chunk-writer.ts';
import { ChunkStreamId, MessageType, UserControlEvent } from './message-type.ts';

export type ProtocolControl =
  | { readonly kind: 'set-chunk-size'; readonly size: number }
  | { readonly kind: 'abort'; readonly chunkStreamId: number }
  | { readonly kind: 'acknowledgement'; readonly sequenceNumber: number }
  | { readonly kind: 'window-ack-size'; readonly size: number }
  | { readonly kind: 'set-peer-bandwidth'; readonly size: number; readonly limitType: number }
  | { readonly kind: 'user-control'; readonly event: number; readonly streamId: number; readonly value: number };

function tooShort(what: string, need: number, got: number): ProtocolError {
  return new ProtocolError('RTMP_CONTROL_MESSAGE_INVALID', `${what} of ${got} bytes, need ${need}`);
}

/** Decodes a protocol control / user control message; null for other message types. */
export function decodeProtocolControl(m: RtmpMessage): ProtocolControl | null {
  const p = m.payload;
  switch (m.typeId) {
    case MessageType.SetChunkSize:
      if (p.length < 4) throw tooShort('Set Chunk Size', 4, p.length);
      return { kind: 'set-chunk-size', size: p.readUInt32BE(0) };
    case MessageType.Abort:
      if (p.length < 4) throw tooShort('Abort', 4, p.length);
      return { kind: 'abort', chunkStreamId: p.readUInt32BE(0) };
    case MessageType.Acknowledgement:
      if (p.length < 4) throw tooShort('Acknowledgement', 4, p.length);
      return { kind: 'acknowledgement', sequenceNumber: p.readUInt32BE(0) };
    case MessageType.WindowAckSize:
      if (p.length < 4) throw tooShort('Window Acknowledgement Size', 4, p.length);
      return { kind: 'window-ack-size', size: p.readUInt32BE(0) };
    case MessageType.SetPeerBandwidth:
      if (p.length < 4) throw tooShort('Set Peer Bandwidth', 5, p.length);
      // The limit type byte is missing in some encoders' messages; treat it as dynamic.
      return { kind: 'set-peer-bandwidth', size: p.readUInt32BE(0), limitType: p.length >= 5 ? p[4]! : 2 };
    case MessageType.UserControl: {
      if (p.length < 2) throw tooShort('User Control', 2, p.length);
      const event = p.readUInt16BE(0);
      // SetBufferLength carries stream id + buffer ms; the others a 4-byte stream id or timestamp.
      const streamId = p.length >= 6 ? p.readUInt32BE(2) : 0;
      const value = p.length >= 10 ? p.readUInt32BE(6) : 0;
      return { kind: 'user-control', event, streamId, value };
    }
    default:
      return null;
  }
}

function control(typeId: number, payload: Buffer): OutgoingMessage {
  return { chunkStreamId: ChunkStreamId.ProtocolControl, timestamp: 0, typeId, messageStreamId: 0, payload };
}

function u32(v: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(v >>> 0, 0);
  return b;
}

export function setChunkSizeMessage(size: number): OutgoingMessage {
  return control(MessageType.SetChunkSize, u32(size));
}

export function abortMessage(chunkStreamId: number): OutgoingMessage {
  return control(MessageType.Abort, u32(chunkStreamId));
}

export function acknowledgementMessage(sequenceNumber: number): OutgoingMessage {
  return control(MessageType.Acknowledgement, u32(sequenceNumber));
}

export function windowAckSizeMessage(size: number): OutgoingMessage {
  return control(MessageType.WindowAckSize, u32(size));
}

export function setPeerBandwidthMessage(size: number, limitType: number): OutgoingMessage {
  const b = Buffer.allocUnsafe(5);
  b.writeUInt32BE(size >>> 0, 0);
  b[4] = limitType;
  return control(MessageType.SetPeerBandwidth, b);
}

/** User Control event with one 4-byte argument (stream id or ping timestamp). */
export function userControlMessage(event: number, value: number): OutgoingMessage {
  const b = Buffer.allocUnsafe(6);
  b.writeUInt16BE(event, 0);
  b.writeUInt32BE(value >>> 0, 2);
  return control(MessageType.UserControl, b);
}

/** SetBufferLength (event 3): stream id + buffer length in ms, sent by players. */
export function setBufferLengthMessage(streamId: number, bufferMs: number): OutgoingMessage {
  const b = Buffer.allocUnsafe(10);
  b.writeUInt16BE(UserControlEvent.SetBufferLength, 0);
  b.writeUInt32BE(streamId >>> 0, 2);
  b.writeUInt32BE(bufferMs >>> 0, 6);
  return control(MessageType.UserControl, b);
}
