/**
 * A TCP relay on 127.0.0.1 port 0 in front of a listener that keeps every byte each client sent,
 * per connection: lets a test see what a real client (ffmpeg, GStreamer, VLC) puts on the wire, such
 * as its Authorization headers. UDP media does not pass through it.
 */
import net from 'node:net';

export interface RecordingProxy {
  readonly port: number;
  /** Text each accepted connection sent so far, in accept order. */
  sent(): string[];
  /** The Authorization header values clients sent, in order. */
  authorizations(): string[];
  close(): Promise<void>;
}

export async function startRecordingProxy(targetPort: number): Promise<RecordingProxy> {
  const sent: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const index = sent.push('') - 1;
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      // Either side closing or failing ends the pair; the error itself is the test's peer's business.
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (d: Buffer) => {
      // Only the RTSP text is kept (interleaved RTCP from the client is small binary noise).
      if (sent[index]!.length < 1 << 20) sent[index] += d.toString('latin1');
    });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    sent: () => [...sent],
    authorizations: () => sent.flatMap((t) => [...t.matchAll(/^Authorization: *(.*?)\r?$/gim)].map((m) => m[1]!)),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
