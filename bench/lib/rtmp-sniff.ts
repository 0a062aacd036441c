/**
 * What chunk size an RTMP publisher really uses against a server: a relay on 127.0.0.1 (port 0)
 * between one publisher and the server that walks both directions after the handshake
 * (C0+C1+C2 and S0+S1+S2, 3073 bytes each) and notes every Set Chunk Size (type 1) each side sends
 * and how many media messages the publisher's chunks parsed into with it. Used once per server by
 * the ingest suite's ffmpeg variant (ffmpeg has no chunk-size option); the measured publishers do
 * not go through it.
 */
import net from 'node:net';
import { ChunkWalker } from '../load/rtmp-chunks.ts';

const HANDSHAKE_BYTES = 1 + 2 * 1536;

export interface ChunkSizeSeen {
  /** Set Chunk Size values the publisher sent, in order. */
  readonly publisherSent: number[];
  /** Set Chunk Size values the server sent, in order. */
  readonly serverSent: number[];
  /** Audio/video messages parsed from the publisher's chunks (proof the sizes above are the ones in use). */
  mediaMessages: number;
  /** A parse error of either direction, if any. */
  error: string | undefined;
}

/** One side's stream walker: skips the handshake bytes, then records type 1 and media messages. */
function walkerFor(onMessage: (typeId: number, head: Buffer) => void, onError: (e: string) => void): (d: Buffer) => void {
  let skip = HANDSHAKE_BYTES;
  const w = new ChunkWalker((t, _ts, _len, head) => onMessage(t, head));
  let failed = false;
  return (d) => {
    if (failed) return;
    let data = d;
    if (skip > 0) {
      const n = Math.min(skip, data.length);
      skip -= n;
      data = data.subarray(n);
      if (data.length === 0) return;
    }
    try {
      w.push(data);
    } catch (e) {
      failed = true;
      onError((e as Error).message);
    }
  };
}

export interface RtmpSniffer {
  readonly port: number;
  readonly seen: ChunkSizeSeen;
  close(): Promise<void>;
}

export async function startSniffer(targetPort: number): Promise<RtmpSniffer> {
  const seen: ChunkSizeSeen = { publisherSent: [], serverSent: [], mediaMessages: 0, error: undefined };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    const fromPublisher = walkerFor((t, head) => {
      if (t === 1 && head.length >= 4) seen.publisherSent.push(head.readUInt32BE(0) & 0x7fffffff);
      else if (t === 8 || t === 9) seen.mediaMessages++;
    }, (e) => (seen.error ??= `publisher side: ${e}`));
    const fromServer = walkerFor((t, head) => {
      if (t === 1 && head.length >= 4) seen.serverSent.push(head.readUInt32BE(0) & 0x7fffffff);
    }, (e) => (seen.error ??= `server side: ${e}`));
    client.on('data', (d: Buffer) => {
      fromPublisher(d);
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      fromServer(d);
      client.write(d);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    seen,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}
