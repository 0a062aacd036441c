/**
 * Command messages (RTMP spec §7.1.1, types 20 and 17) and data messages (§7.1.2, types 18 and
 * 15): AMF-encoded name, transaction id, command object and arguments. The AMF3 variants start
 * with one format byte, then AMF0 values that may switch to AMF3 (avmplus-object marker).
 */
import { ProtocolError } from '../../errors.ts';
import { decodeAmf0 } from '../amf0/amf0-decoder.ts';
import { encodeAmf0 } from '../amf0/amf0-encoder.ts';
import type { AmfValue } from '../amf0/amf-value.ts';
import type { RtmpMessage } from '../chunk/rtmp-message.ts';
import type { OutgoingMessage } from '../chunk/chunk-writer.ts';
import { ChunkStreamId, MessageType } from './message-type.ts';

export interface Command {
  readonly name: string;
  readonly transactionId: number;
  /** The command object (usually an object for connect, null otherwise). */
  readonly commandObject: AmfValue;
  /** Further arguments (stream name, publish type, status info...). */
  readonly args: readonly AmfValue[];
}

/** AMF values of a command or data message body, removing the AMF3 format byte. */
export function decodeMessageValues(m: RtmpMessage): AmfValue[] {
  const amf3 = m.typeId === MessageType.CommandAmf3 || m.typeId === MessageType.DataAmf3;
  // The format selector is 0; some Flex encoders omit it for data messages and start with a marker.
  const offset = amf3 && m.payload.length > 0 && m.payload[0] === 0 ? 1 : 0;
  return decodeAmf0(m.payload, offset);
}

export function isCommandMessage(typeId: number): boolean {
  return typeId === MessageType.CommandAmf0 || typeId === MessageType.CommandAmf3;
}

export function isDataMessage(typeId: number): boolean {
  return typeId === MessageType.DataAmf0 || typeId === MessageType.DataAmf3;
}

export function decodeCommand(m: RtmpMessage): Command {
  const values = decodeMessageValues(m);
  const [name, transactionId, commandObject, ...args] = values;
  if (typeof name !== 'string') {
    throw new ProtocolError('RTMP_COMMAND_INVALID', 'command message does not start with a name');
  }
  // A missing transaction id (some encoders' onStatus) is treated as 0.
  const tx = typeof transactionId === 'number' && Number.isFinite(transactionId) ? transactionId : 0;
  return { name, transactionId: tx, commandObject: commandObject ?? null, args };
}

/** An AMF0 command message (type 20). */
export function commandMessage(
  command: Command,
  messageStreamId = 0,
  chunkStreamId: number = ChunkStreamId.Command,
): OutgoingMessage {
  return {
    chunkStreamId,
    timestamp: 0,
    typeId: MessageType.CommandAmf0,
    messageStreamId,
    payload: encodeAmf0(command.name, command.transactionId, command.commandObject, ...command.args),
  };
}

/** An AMF0 data message (type 18), e.g. onMetaData or |RtmpSampleAccess. */
export function dataMessage(payload: Buffer, messageStreamId: number, timestamp = 0): OutgoingMessage {
  return { chunkStreamId: ChunkStreamId.Data, timestamp, typeId: MessageType.DataAmf0, messageStreamId, payload };
}
