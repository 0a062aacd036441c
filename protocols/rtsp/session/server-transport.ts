/**
 * Picks the first Transport alternative of a SETUP the server can honour (RFC 2326 §12.39):
 * TCP interleaved on free channels, or unicast UDP towards the client's own address. Multicast is
 * not offered, and a client-chosen `destination` is ignored so a SETUP cannot aim RTP at a third
 * party.
 */
import type { RtspTransport } from '../headers/transport.ts';
import type { PortPairTuple, TrackTransport } from './server-session.ts';

/** Highest interleaved channel Cupola assigns (pairs 0-1 ... 254-255). */
const MAX_CHANNEL = 255;

export interface TransportChoiceInput {
  readonly transports: readonly RtspTransport[];
  readonly remoteAddress: string;
  /** The server's shared RTP/RTCP UDP ports; undefined when UDP is not offered. */
  readonly udpServerPorts?: PortPairTuple;
  /** Interleaved channels already in use on this connection. */
  readonly usedChannels: ReadonlySet<number>;
}

export interface TransportChoice {
  readonly transport: TrackTransport;
  /** The Transport header to answer with. */
  readonly reply: RtspTransport;
}

export function chooseServerTransport(input: TransportChoiceInput): TransportChoice | null {
  for (const t of input.transports) {
    if (t.profile !== 'RTP/AVP') continue;
    if (t.lowerTransport === 'TCP') {
      const channels = t.interleaved ?? freeChannelPair(input.usedChannels);
      if (channels === null || input.usedChannels.has(channels[0]) || input.usedChannels.has(channels[1])) continue;
      if (channels[0] === channels[1]) continue;
      return {
        transport: { kind: 'tcp', channels },
        reply: { profile: 'RTP/AVP', lowerTransport: 'TCP', delivery: 'unicast', interleaved: channels },
      };
    }
    if (t.delivery === 'multicast' || t.clientPort === undefined || input.udpServerPorts === undefined) continue;
    const serverPorts = input.udpServerPorts;
    return {
      transport: { kind: 'udp', clientHost: input.remoteAddress, clientPorts: t.clientPort, serverPorts },
      reply: { profile: 'RTP/AVP', lowerTransport: 'UDP', delivery: 'unicast', clientPort: t.clientPort, serverPort: serverPorts },
    };
  }
  return null;
}

function freeChannelPair(used: ReadonlySet<number>): PortPairTuple | null {
  for (let c = 0; c + 1 <= MAX_CHANNEL; c += 2) if (!used.has(c) && !used.has(c + 1)) return [c, c + 1];
  return null;
}
