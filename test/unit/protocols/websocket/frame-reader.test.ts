import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  encodeClientFrame,
  MAX_MESSAGE_BYTES,
  Opcode,
  WebSocketFrameError,
  WsFrameReader,
  type WsMessage,
} from '../../../../protocols/websocket/frame-reader.ts';
import { forEachFeeding } from '../../../helpers/feed.ts';

/** A server frame (unmasked). */
function frame(opcode: number, payload: Buffer, fin = true): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([(fin ? 0x80 : 0) | opcode, len]) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (len >= 126 && len < 65536) {
    head[0] = (fin ? 0x80 : 0) | opcode;
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  } else if (len >= 65536) {
    head[0] = (fin ? 0x80 : 0) | opcode;
    head[1] = 127;
    head.writeUInt32BE(0, 2);
    head.writeUInt32BE(len, 6);
  }
  return Buffer.concat([head, payload]);
}

const cases: Array<{ name: string; input: Buffer; expect: Array<[number, string]> }> = [
  { name: 'one text message', input: frame(Opcode.Text, Buffer.from('{"type":"stream.up"}')), expect: [[Opcode.Text, '{"type":"stream.up"}']] },
  { name: 'empty text message', input: frame(Opcode.Text, Buffer.alloc(0)), expect: [[Opcode.Text, '']] },
  {
    name: '16-bit length',
    input: frame(Opcode.Text, Buffer.from('x'.repeat(300))),
    expect: [[Opcode.Text, 'x'.repeat(300)]],
  },
  {
    name: 'fragmented text with a ping in the middle (RFC 6455 §5.4)',
    input: Buffer.concat([
      frame(Opcode.Text, Buffer.from('ab'), false),
      frame(Opcode.Ping, Buffer.from('p')),
      frame(Opcode.Continuation, Buffer.from('cd'), false),
      frame(Opcode.Continuation, Buffer.from('e'), true),
    ]),
    expect: [[Opcode.Ping, 'p'], [Opcode.Text, 'abcde']],
  },
  { name: 'close with code', input: frame(Opcode.Close, Buffer.from([0x03, 0xe8])), expect: [[Opcode.Close, '\u0003\u00e8']] },
];

for (const c of cases) {
  test(`frame reader: ${c.name}`, () => {
    forEachFeeding(
      c.input,
      (pieces) => {
        const out: WsMessage[] = [];
        const r = new WsFrameReader((m) => out.push({ opcode: m.opcode, payload: Buffer.from(m.payload) }));
        for (const p of pieces) r.push(p);
        return out;
      },
      (out, label) => assert.deepEqual(out.map((m) => [m.opcode, m.payload.toString('latin1')]), c.expect, label),
    );
  });
}

test('frame reader: 64-bit length within the limit', () => {
  const payload = Buffer.alloc(70_000, 0x61);
  const out: WsMessage[] = [];
  new WsFrameReader((m) => out.push(m)).push(frame(Opcode.Binary, payload));
  assert.equal(out[0]?.payload.length, 70_000);
});

const bad: Array<{ name: string; input: Buffer; message: RegExp }> = [
  { name: 'masked server frame', input: Buffer.from([0x81, 0x80 | 1, 1, 2, 3, 4, 0x61]), message: /must not be masked/ },
  { name: 'reserved bits', input: Buffer.from([0xc1, 0]), message: /reserved bits/ },
  { name: 'fragmented control frame', input: Buffer.from([0x09, 0]), message: /fragmented control/ },
  { name: 'long control frame', input: Buffer.from([0x89, 126, 0, 200]), message: /longer than 125/ },
  { name: 'continuation without a start', input: Buffer.from([0x80, 0]), message: /without a message/ },
  { name: 'data frame inside a fragmented message', input: Buffer.concat([frame(1, Buffer.from('a'), false), frame(1, Buffer.from('b'))]), message: /inside a fragmented/ },
  { name: 'unknown opcode', input: Buffer.from([0x83, 0]), message: /unknown data opcode/ },
  { name: 'unknown control opcode', input: Buffer.from([0x8b, 0]), message: /unknown control opcode/ },
  {
    name: 'message over the limit (checked before buffering)',
    input: Buffer.from([0x82, 127, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff]),
    message: new RegExp(`longer than ${MAX_MESSAGE_BYTES}`),
  },
  { name: '64-bit length with high bits', input: Buffer.from([0x82, 127, 0, 0, 0, 1, 0, 0, 0, 0]), message: /longer than the message limit/ },
];

for (const c of bad) {
  test(`frame reader refuses: ${c.name}`, () => {
    const r = new WsFrameReader(() => {});
    assert.throws(() => r.push(c.input), (err: unknown) => err instanceof WebSocketFrameError && c.message.test(err.message));
  });
}

test('fragments together over the limit are refused', () => {
  const r = new WsFrameReader(() => {});
  const half = Buffer.alloc(MAX_MESSAGE_BYTES / 2 + 1);
  r.push(frame(Opcode.Binary, half, false));
  assert.throws(() => r.push(frame(Opcode.Continuation, half)), WebSocketFrameError);
});

test('client frames are masked (RFC 6455 §5.3) and unmask back to the payload', () => {
  const key = Buffer.from([1, 2, 3, 4]);
  const out = encodeClientFrame(Opcode.Pong, Buffer.from('hello'), key);
  assert.equal(out[0], 0x8a);
  assert.equal(out[1], 0x80 | 5);
  assert.deepEqual(out.subarray(2, 6), key);
  const unmasked = Buffer.from(out.subarray(6).map((b, i) => b ^ key[i & 3]!));
  assert.equal(unmasked.toString(), 'hello');
  assert.throws(() => encodeClientFrame(Opcode.Pong, Buffer.alloc(126), key), WebSocketFrameError);
  assert.throws(() => encodeClientFrame(Opcode.Pong, Buffer.alloc(1), Buffer.alloc(3)), WebSocketFrameError);
});
