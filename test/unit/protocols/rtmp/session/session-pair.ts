/**
 * Test harness: a ClientSession and a ServerSession talking through real chunk readers in memory
 * (our own codec plays the peer). Delivery is queued and pumped, so no re-entrancy.
 */
import { ChunkReader } from '../../../../../protocols/rtmp/chunk/chunk-reader.ts';
import type { RtmpMessage } from '../../../../../protocols/rtmp/chunk/rtmp-message.ts';
import { ClientSession } from '../../../../../protocols/rtmp/session/client-session.ts';
import type { ClientSessionEvent, ClientSessionOptions } from '../../../../../protocols/rtmp/session/client-session-events.ts';
import { ServerSession } from '../../../../../protocols/rtmp/session/server-session.ts';
import type { ServerSessionEvent, ServerSessionOptions } from '../../../../../protocols/rtmp/session/server-session-events.ts';

export interface SessionPair {
  readonly client: ClientSession;
  readonly server: ServerSession;
  readonly clientEvents: ClientSessionEvent[];
  readonly serverEvents: ServerSessionEvent[];
  /** Messages the client received from the server (all types). */
  readonly toClient: RtmpMessage[];
  readonly toServer: RtmpMessage[];
  /** Delivers queued bytes both ways until nothing moves. */
  pump(): void;
  /** Injects raw chunk bytes as if the client had sent them. */
  clientSendsRaw(buffers: Buffer[]): void;
}

export function sessionPair(
  clientOptions: ClientSessionOptions,
  onServerEvent: (e: ServerSessionEvent, pair: SessionPair) => void = () => {},
  serverOptions: ServerSessionOptions = {},
): SessionPair {
  const c2s: Buffer[] = [];
  const s2c: Buffer[] = [];
  const clientEvents: ClientSessionEvent[] = [];
  const serverEvents: ServerSessionEvent[] = [];
  const toClient: RtmpMessage[] = [];
  const toServer: RtmpMessage[] = [];
  // eslint-disable-next-line prefer-const
  let pair: SessionPair;
  const client = new ClientSession(clientOptions, (b) => c2s.push(...b), (e) => clientEvents.push(e));
  const server = new ServerSession(
    (b) => s2c.push(...b),
    (e) => {
      serverEvents.push(e);
      onServerEvent(e, pair);
    },
    serverOptions,
  );
  const clientReader = new ChunkReader((m) => {
    toClient.push(m);
    client.handleMessage(m);
  });
  const serverReader = new ChunkReader((m) => {
    toServer.push(m);
    server.handleMessage(m);
  });
  pair = {
    client,
    server,
    clientEvents,
    serverEvents,
    toClient,
    toServer,
    pump() {
      for (let rounds = 0; rounds < 100 && (c2s.length > 0 || s2c.length > 0); rounds++) {
        const up = c2s.splice(0);
        for (const b of up) {
          server.onBytesReceived(b.length);
          serverReader.push(b);
        }
        const down = s2c.splice(0);
        for (const b of down) {
          client.onBytesReceived(b.length);
          clientReader.push(b);
        }
      }
    },
    clientSendsRaw(buffers) {
      c2s.push(...buffers);
    },
  };
  return pair;
}
