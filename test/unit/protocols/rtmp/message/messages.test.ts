import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RtmpMessage } from '../../../../../protocols/rtmp/chunk/rtmp-message.ts';
import type { OutgoingMessage } from '../../../../../protocols/rtmp/chunk/chunk-writer.ts';
import {
  abortMessage,
  acknowledgementMessage,
  decodeProtocolControl,
  setBufferLengthMessage,
  setChunkSizeMessage,
  setPeerBandwidthMessage,
  userControlMessage,
  windowAckSizeMessage,
} from '../../../../../protocols/rtmp/message/protocol-control.ts';
import type { ProtocolControl } from '../../../../../protocols/rtmp/message/protocol-control.ts';
import { commandMessage, decodeCommand, decodeMessageValues } from '../../../../../protocols/rtmp/message/command.ts';
import { splitAggregate } from '../../../../../protocols/rtmp/message/aggregate.ts';
import { mediaTags } from '../../../../../protocols/rtmp/message/media-message.ts';
import { MessageType, UserControlEvent } from '../../../../../protocols/rtmp/message/message-type.ts';

function received(m: OutgoingMessage): RtmpMessage {
  return { ...m, payload: Buffer.isBuffer(m.payload) ? m.payload : Buffer.concat(m.payload) };
}

/** Case table shared by encoders and the decoder. */
const controls: Array<{ name: string; message: OutgoingMessage; hex: string; decoded: ProtocolControl }> = [
  { name: 'Set Chunk Size', message: setChunkSizeMessage(4096), hex: '00001000', decoded: { kind: 'set-chunk-size', size: 4096 } },
  { name: 'Abort', message: abortMessage(6), hex: '00000006', decoded: { kind: 'abort', chunkStreamId: 6 } },
  { name: 'Acknowledgement', message: acknowledgementMessage(0xfffffffe), hex: 'fffffffe', decoded: { kind: 'acknowledgement', sequenceNumber: 0xfffffffe } },
  { name: 'Window Ack Size', message: windowAckSizeMessage(2500000), hex: '002625a0', decoded: { kind: 'window-ack-size', size: 2500000 } },
  { name: 'Set Peer Bandwidth', message: setPeerBandwidthMessage(2500000, 2), hex: '002625a002', decoded: { kind: 'set-peer-bandwidth', size: 2500000, limitType: 2 } },
  { name: 'StreamBegin', message: userControlMessage(UserControlEvent.StreamBegin, 1), hex: '000000000001', decoded: { kind: 'user-control', event: 0, streamId: 1, value: 0 } },
  { name: 'PingRequest', message: userControlMessage(UserControlEvent.PingRequest, 123), hex: '00060000007b', decoded: { kind: 'user-control', event: 6, streamId: 123, value: 0 } },
  { name: 'SetBufferLength', message: setBufferLengthMessage(1, 3000), hex: '00030000000100000bb8', decoded: { kind: 'user-control', event: 3, streamId: 1, value: 3000 } },
];

for (const c of controls) {
  test(`protocol control ${c.name}: encode and decode`, () => {
    assert.equal(c.message.chunkStreamId, 2);
    assert.equal(c.message.messageStreamId, 0);
    assert.equal(received(c.message).payload.toString('hex'), c.hex);
    assert.deepEqual(decodeProtocolControl(received(c.message)), c.decoded);
  });
}

test('decode-only: Set Peer Bandwidth without the limit type byte (some encoders)', () => {
  const m: RtmpMessage = { chunkStreamId: 2, timestamp: 0, typeId: 6, messageStreamId: 0, payload: Buffer.from('002625a0', 'hex') };
  assert.deepEqual(decodeProtocolControl(m), { kind: 'set-peer-bandwidth', size: 2500000, limitType: 2 });
});

test('short control messages are refused; other types are not control', () => {
  for (const typeId of [1, 2, 3, 5, 6, 4]) {
    const m: RtmpMessage = { chunkStreamId: 2, timestamp: 0, typeId, messageStreamId: 0, payload: Buffer.from('00', 'hex') };
    assert.throws(() => decodeProtocolControl(m), { code: 'RTMP_CONTROL_MESSAGE_INVALID' }, `type ${typeId}`);
  }
  assert.equal(decodeProtocolControl({ chunkStreamId: 3, timestamp: 0, typeId: 20, messageStreamId: 0, payload: Buffer.alloc(0) }), null);
});

test('command round trip and AMF3 command (type 17 with format byte)', () => {
  const out = commandMessage({ name: 'connect', transactionId: 1, commandObject: { app: 'live' }, args: [true] });
  assert.deepEqual(decodeCommand(received(out)), { name: 'connect', transactionId: 1, commandObject: { app: 'live' }, args: [true] });
  const amf0 = received(out).payload;
  const amf3: RtmpMessage = { chunkStreamId: 3, timestamp: 0, typeId: MessageType.CommandAmf3, messageStreamId: 0, payload: Buffer.concat([Buffer.from([0]), amf0]) };
  assert.deepEqual(decodeCommand(amf3).commandObject, { app: 'live' });
});

test('command errors: no name; a missing transaction id reads as 0', () => {
  const noName: RtmpMessage = { chunkStreamId: 3, timestamp: 0, typeId: 20, messageStreamId: 0, payload: Buffer.from('05', 'hex') };
  assert.throws(() => decodeCommand(noName), { code: 'RTMP_COMMAND_INVALID' });
  const noTx: RtmpMessage = { chunkStreamId: 3, timestamp: 0, typeId: 20, messageStreamId: 0, payload: Buffer.from('0200036162630501', 'hex').subarray(0, 6) };
  assert.equal(decodeCommand(noTx).transactionId, 0);
});

test('AMF3 data message: format byte removed for values and media tags', () => {
  const body = Buffer.from('02000a6f6e4d65746144617461', 'hex'); // "onMetaData"
  const m: RtmpMessage = { chunkStreamId: 5, timestamp: 7, typeId: MessageType.DataAmf3, messageStreamId: 1, payload: Buffer.concat([Buffer.from([0]), body]) };
  assert.deepEqual(decodeMessageValues(m), ['onMetaData']);
  assert.deepEqual(mediaTags(m), [{ tagType: 18, timestamp: 7, body }]);
  assert.deepEqual(mediaTags({ ...m, typeId: MessageType.SharedObjectAmf0 }), []);
});

test('aggregate: truncated sub-messages are refused; a missing last back pointer is tolerated', () => {
  const sub = Buffer.from('09' + '000002' + '0003e8' + '00' + '000000' + '1701', 'hex');
  const m: RtmpMessage = { chunkStreamId: 6, timestamp: 10, typeId: 22, messageStreamId: 1, payload: sub };
  assert.deepEqual(splitAggregate(m), [{ typeId: 9, timestamp: 10, payload: Buffer.from('1701', 'hex') }]);
  assert.throws(() => splitAggregate({ ...m, payload: sub.subarray(0, 8) }), { code: 'RTMP_AGGREGATE_INVALID' });
  assert.throws(() => splitAggregate({ ...m, payload: sub.subarray(0, 12) }), { code: 'RTMP_AGGREGATE_INVALID' });
});
