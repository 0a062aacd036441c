/**
 * A minimal WebSocket client for tests (Node 20 has no stable global WebSocket): RFC 6455 handshake,
 * unmasked server text frames in, masked control frames out. Messages are queued; `next()` waits for
 * one with a deadline, so tests never sleep.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { ByteQueue } from '../../../../protocols/bytes/byte-queue.ts';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'; // RFC 6455 §1.3
const MAX_TEST_FRAME = 16 * 1024 * 1024;

export class TestWebSocket {
  readonly messages: string[] = [];
  closed = false;
  #waiters: (() => void)[] = [];
  #queue = new ByteQueue();

  private constructor(private readonly socket: Socket) {}

  /** Connects; rejects with the HTTP status line when the server refuses the upgrade. */
  static open(port: number, path: string, headers: Record<string, string> = {}): Promise<TestWebSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      const key = randomBytes(16).toString('base64');
      const accept = createHash('sha1').update(key + GUID).digest('base64');
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        const text = head.subarray(0, end).toString('latin1');
        const status = text.split('\r\n')[0]!;
        if (!status.startsWith('HTTP/1.1 101') || !text.toLowerCase().includes(`sec-websocket-accept: ${accept.toLowerCase()}`)) {
          socket.destroy();
          reject(new Error(status));
          return;
        }
        const ws = new TestWebSocket(socket);
        socket.on('data', (b) => ws.#onData(b));
        socket.on('close', () => ws.#onClose());
        ws.#onData(head.subarray(end + 4));
        resolve(ws);
      };
      socket.on('data', onData);
      socket.on('error', reject);
      socket.write(
        [
          `GET ${path} HTTP/1.1`,
          `Host: 127.0.0.1:${port}`,
          'Upgrade: websocket',
          'Connection: Upgrade',
          `Sec-WebSocket-Key: ${key}`,
          'Sec-WebSocket-Version: 13',
          ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
          '',
          '',
        ].join('\r\n'),
      );
    });
  }

  /** The next message not yet taken, parsed as JSON. */
  async next(timeoutMs = 3000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length === 0) {
      if (this.closed) throw new Error('socket closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no message within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return JSON.parse(this.messages.shift()!) as Record<string, unknown>;
  }

  close(): void {
    this.socket.destroy();
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  #onClose(): void {
    this.closed = true;
    this.#wake();
  }

  #onData(chunk: Buffer): void {
    this.#queue.push(chunk);
    for (;;) {
      if (this.#queue.length < 2) return;
      const b0 = this.#queue.peekByte(0);
      const b1 = this.#queue.peekByte(1);
      let len = b1 & 0x7f;
      let headerLen = 2;
      if (len === 126) {
        if (this.#queue.length < 4) return;
        len = this.#queue.peek(4).readUInt16BE(2);
        headerLen = 4;
      } else if (len === 127) {
        if (this.#queue.length < 10) return;
        len = Number(this.#queue.peek(10).readBigUInt64BE(2));
        headerLen = 10;
      }
      if (len > MAX_TEST_FRAME) throw new Error(`frame of ${len} bytes`);
      if (this.#queue.length < headerLen + len) return;
      this.#queue.skip(headerLen);
      const payload = Buffer.from(this.#queue.consume(len));
      const opcode = b0 & 0x0f;
      if (opcode === 0x1) this.messages.push(payload.toString('utf8'));
      else if (opcode === 0x9) this.#send(0xa, payload);
      else if (opcode === 0x8) this.socket.end();
      this.#wake();
    }
  }

  #send(opcode: number, payload: Buffer): void {
    const mask = randomBytes(4);
    const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
    this.socket.write(Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), mask, masked]));
  }
}
