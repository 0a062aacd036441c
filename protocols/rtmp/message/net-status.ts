/** NetConnection / NetStream status objects and the commands that carry them. */
import type { AmfObject, AmfValue } from '../amf0/amf-value.ts';
import type { OutgoingMessage } from '../chunk/chunk-writer.ts';
import { commandMessage } from './command.ts';

export type StatusLevel = 'status' | 'warning' | 'error';

export function statusInfo(level: StatusLevel, code: string, description: string, extra: AmfObject = {}): AmfObject {
  return { level, code, description, ...extra };
}

/** onStatus(0, null, info) on a NetStream. */
export function onStatusMessage(messageStreamId: number, info: AmfObject): OutgoingMessage {
  return commandMessage({ name: 'onStatus', transactionId: 0, commandObject: null, args: [info] }, messageStreamId);
}

/** _result(transactionId, commandObject, ...args) on the NetConnection (or a stream). */
export function resultMessage(transactionId: number, commandObject: AmfValue, ...args: AmfValue[]): OutgoingMessage {
  return commandMessage({ name: '_result', transactionId, commandObject, args });
}

/** _error(transactionId, null, info). */
export function errorMessage(transactionId: number, info: AmfObject, messageStreamId = 0): OutgoingMessage {
  return commandMessage({ name: '_error', transactionId, commandObject: null, args: [info] }, messageStreamId);
}
