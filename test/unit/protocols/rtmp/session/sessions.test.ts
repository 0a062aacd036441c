import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeChunks } from '../../../../../protocols/rtmp/chunk/chunk-writer.ts';
import { commandMessage } from '../../../../../protocols/rtmp/message/command.ts';
import { decodeCommand } from '../../../../../protocols/rtmp/message/command.ts';
import { MessageType, UserControlEvent } from '../../../../../protocols/rtmp/message/message-type.ts';
import { userControlMessage, windowAckSizeMessage } from '../../../../../protocols/rtmp/message/protocol-control.ts';
import { ServerSession } from '../../../../../protocols/rtmp/session/server-session.ts';
import { sessionPair } from './session-pair.ts';

const playOptions = { mode: 'play' as const, app: 'site1', tcUrl: 'rtmp://127.0.0.1:1935/site1', streamName: 'cam1' };
const publishOptions = { mode: 'publish' as const, app: 'site1', tcUrl: 'rtmp://127.0.0.1:1935/site1', streamName: 'cam1?key=SECRET' };

function commandsTo(messages: { typeId: number; payload: Buffer; messageStreamId: number; chunkStreamId: number; timestamp: number }[]) {
  return messages.filter((m) => m.typeId === MessageType.CommandAmf0).map((m) => decodeCommand(m));
}

test('play: connect (with control messages and chunk size 4096), createStream, play, accepted', () => {
  const p = sessionPair(playOptions, (e, pair) => {
    if (e.type === 'play-requested') pair.server.acceptPlay(e.streamId);
  });
  p.client.start();
  p.pump();
  const types = p.toClient.map((m) => m.typeId);
  assert.deepEqual(types.slice(0, 3), [MessageType.WindowAckSize, MessageType.SetPeerBandwidth, MessageType.SetChunkSize]);
  assert.equal(p.server.chunkSize, 4096);
  const connect = p.serverEvents.find((e) => e.type === 'connect');
  assert.equal(connect?.type === 'connect' && connect.app, 'site1');
  const play = p.serverEvents.find((e) => e.type === 'play-requested');
  assert.deepEqual(play, { type: 'play-requested', streamId: 1, app: 'site1', streamName: 'cam1', query: {} });
  assert.deepEqual(p.clientEvents.find((e) => e.type === 'started'), { type: 'started', streamId: 1 });
  const codes = commandsTo(p.toClient).filter((c) => c.name === 'onStatus').map((c) => (c.args[0] as { code: string }).code);
  assert.deepEqual(codes, ['NetStream.Play.Reset', 'NetStream.Play.Start']);
  assert.equal(p.server.streamState(1)?.kind, 'playing');
});

test('publish with ?key=: query reaches the owner; media flows; FCUnpublish/deleteStream end it', () => {
  const p = sessionPair(publishOptions, (e, pair) => {
    if (e.type === 'publish-requested') pair.server.acceptPublish(e.streamId);
  });
  p.client.start();
  p.pump();
  assert.deepEqual(
    p.serverEvents.find((e) => e.type === 'publish-requested'),
    { type: 'publish-requested', streamId: 1, app: 'site1', streamName: 'cam1', query: { key: 'SECRET' }, publishType: 'live' },
  );
  assert.equal(p.clientEvents.some((e) => e.type === 'started'), true);
  p.client.sendMedia(9, 40, [Buffer.from('1701', 'hex'), Buffer.from('000000', 'hex')]);
  p.client.sendMedia(8, 41, Buffer.from('af01', 'hex'));
  p.pump();
  const media = p.serverEvents.filter((e) => e.type === 'media');
  assert.deepEqual(media, [
    { type: 'media', streamId: 1, tagType: 9, timestamp: 40, body: Buffer.from('1701000000', 'hex') },
    { type: 'media', streamId: 1, tagType: 8, timestamp: 41, body: Buffer.from('af01', 'hex') },
  ]);
  p.client.stop();
  p.pump();
  assert.equal(p.serverEvents.filter((e) => e.type === 'unpublish').length, 1);
  assert.equal(p.server.streamState(1), undefined);
});

test('app carrying the query (encoders that put ?key on the app)', () => {
  const p = sessionPair({ ...publishOptions, app: 'site1?key=K1', streamName: 'cam1' });
  p.client.start();
  p.pump();
  const e = p.serverEvents.find((x) => x.type === 'publish-requested');
  assert.equal(e?.type === 'publish-requested' && e.app, 'site1');
  assert.deepEqual(e?.type === 'publish-requested' && e.query, { key: 'K1' });
});

test('rejected publish: the client fails with the status code', () => {
  const p = sessionPair(publishOptions, (e, pair) => {
    if (e.type === 'publish-requested') pair.server.rejectPublish(e.streamId, 'NetStream.Publish.BadName', 'busy');
  });
  p.client.start();
  p.pump();
  assert.deepEqual(p.clientEvents.at(-1), { type: 'failed', code: 'NetStream.Publish.BadName', description: 'busy' });
  assert.equal(p.server.streamState(1)?.kind, 'idle');
});

test('rejected play: StreamNotFound', () => {
  const p = sessionPair(playOptions, (e, pair) => {
    if (e.type === 'play-requested') pair.server.rejectPlay(e.streamId);
  });
  p.client.start();
  p.pump();
  assert.equal(p.clientEvents.at(-1)?.type === 'failed' && (p.clientEvents.at(-1) as { code: string }).code, 'NetStream.Play.StreamNotFound');
});

test('media before acceptance (pending) is reported; media on an idle stream is dropped', () => {
  const p = sessionPair(publishOptions);
  p.client.start();
  p.pump();
  const send = (msid: number) =>
    p.clientSendsRaw(encodeChunks({ chunkStreamId: 6, timestamp: 0, typeId: 9, messageStreamId: msid, payload: Buffer.from('17', 'hex') }, 4096));
  send(1);
  send(2);
  p.pump();
  assert.equal(p.serverEvents.filter((e) => e.type === 'media').length, 1);
  assert.equal(p.server.droppedMessages, 1);
});

test('unknown command: _error when a result is expected, nothing otherwise; never a crash', () => {
  const p = sessionPair(playOptions);
  p.client.start();
  p.pump();
  p.clientSendsRaw(encodeChunks(commandMessage({ name: 'fooBar', transactionId: 7, commandObject: null, args: [] }), 4096));
  p.clientSendsRaw(encodeChunks(commandMessage({ name: 'bazQux', transactionId: 0, commandObject: null, args: [] }), 4096));
  p.pump();
  const errors = commandsTo(p.toClient).filter((c) => c.name === '_error');
  assert.deepEqual(errors.map((c) => c.transactionId), [7]);
  assert.deepEqual(p.serverEvents.filter((e) => e.type === 'unknown-command').map((e) => (e as { name: string }).name), ['fooBar', 'bazQux']);
});

test('a command before connect is a protocol error', () => {
  const s = new ServerSession(() => {}, () => {});
  const payload = commandMessage({ name: 'play', transactionId: 0, commandObject: null, args: ['x'] }).payload as Buffer;
  assert.throws(() => s.handleMessage({ chunkStreamId: 3, timestamp: 0, typeId: 20, messageStreamId: 0, payload }), {
    code: 'RTMP_COMMAND_BEFORE_CONNECT',
  });
});

test('createStream beyond the per-connection limit answers _error', () => {
  const p = sessionPair(playOptions, () => {}, { maxStreams: 1 });
  p.client.start();
  p.pump();
  p.clientSendsRaw(encodeChunks(commandMessage({ name: 'createStream', transactionId: 9, commandObject: null, args: [] }), 4096));
  p.pump();
  assert.equal(commandsTo(p.toClient).some((c) => c.name === '_error' && c.transactionId === 9), true);
});

test('acknowledgements follow the window the peer announced; pings are answered', () => {
  const sent: Buffer[] = [];
  const s = new ServerSession((b) => sent.push(...b), () => {});
  const wire = (m: { typeId: number; payload: Buffer | readonly Buffer[] }) => ({ chunkStreamId: 2, timestamp: 0, typeId: m.typeId, messageStreamId: 0, payload: m.payload as Buffer });
  s.onBytesReceived(1000);
  assert.equal(sent.length, 0, 'no window announced yet: no ack');
  const fresh = new ServerSession((b) => sent.push(...b), () => {});
  fresh.handleMessage(wire(windowAckSizeMessage(100)));
  fresh.onBytesReceived(99);
  assert.equal(sent.length, 0, 'window not reached');
  fresh.onBytesReceived(1);
  const ack = Buffer.concat(sent);
  assert.equal(ack[7], MessageType.Acknowledgement);
  assert.equal(ack.readUInt32BE(ack.length - 4), 100);
  sent.length = 0;
  s.handleMessage(wire(userControlMessage(UserControlEvent.PingRequest, 4242)));
  const pong = Buffer.concat(sent);
  assert.equal(pong.readUInt16BE(pong.length - 6), UserControlEvent.PingResponse);
  assert.equal(pong.readUInt32BE(pong.length - 4), 4242);
});

test('pause and deleteStream of a player', () => {
  const p = sessionPair(playOptions, (e, pair) => {
    if (e.type === 'play-requested') pair.server.acceptPlay(e.streamId);
  });
  p.client.start();
  p.pump();
  p.clientSendsRaw(encodeChunks(commandMessage({ name: 'pause', transactionId: 0, commandObject: null, args: [true, 0] }, 1), 4096));
  p.pump();
  assert.deepEqual(p.serverEvents.at(-1), { type: 'pause', streamId: 1, paused: true });
  p.client.stop();
  p.pump();
  assert.deepEqual(p.serverEvents.at(-1), { type: 'play-stopped', streamId: 1 });
});

test('aggregate message from a publisher is split into its tags', () => {
  const p = sessionPair(publishOptions, (e, pair) => {
    if (e.type === 'publish-requested') pair.server.acceptPublish(e.streamId);
  });
  p.client.start();
  p.pump();
  const sub = (type: number, ts: number, body: string) => {
    const b = Buffer.from(body, 'hex');
    const h = Buffer.alloc(11);
    h[0] = type;
    h.writeUIntBE(b.length, 1, 3);
    h.writeUIntBE(ts, 4, 3);
    const back = Buffer.alloc(4);
    back.writeUInt32BE(11 + b.length);
    return Buffer.concat([h, b, back]);
  };
  const payload = Buffer.concat([sub(9, 1000, '1701'), sub(8, 1010, 'af01')]);
  p.clientSendsRaw(encodeChunks({ chunkStreamId: 6, timestamp: 50, typeId: MessageType.Aggregate, messageStreamId: 1, payload }, 4096));
  p.pump();
  const media = p.serverEvents.filter((e) => e.type === 'media').map((e) => e.type === 'media' && [e.tagType, e.timestamp]);
  assert.deepEqual(media, [[9, 50], [8, 60]]);
});
