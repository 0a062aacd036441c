/**
 * The shared server RTP/RTCP UDP sockets of one RTSP listener (RFC 2326 §12.39 server_port). With
 * port 0 an adjacent even/odd pair is searched, as RTP receivers expect RTCP on RTP + 1.
 */
import dgram from 'node:dgram';

export interface UdpPair {
  readonly rtp: dgram.Socket;
  readonly rtcp: dgram.Socket;
  readonly ports: readonly [number, number];
  close(): Promise<void>;
}

/** Attempts at finding a free adjacent pair when the ports are chosen by the system. */
const MAX_PAIR_ATTEMPTS = 20;

export async function bindUdpPair(host: string, rtpPort: number, rtcpPort: number): Promise<UdpPair> {
  if (rtpPort !== 0) {
    const rtp = await bindSocket(host, rtpPort);
    const rtcp = await bindSocket(host, rtcpPort === 0 ? rtpPort + 1 : rtcpPort).catch(async (err: unknown) => {
      await closeSocket(rtp);
      throw err;
    });
    return pair(rtp, rtcp);
  }
  let lastError: unknown;
  for (let i = 0; i < MAX_PAIR_ATTEMPTS; i++) {
    const probe = await bindSocket(host, 0);
    let port = probe.address().port;
    let rtp = probe;
    if (port % 2 === 1 || port >= 65535) {
      await closeSocket(probe);
      port = port % 2 === 1 ? port + 1 : port - 2;
      if (port >= 65535) continue;
      try {
        rtp = await bindSocket(host, port);
      } catch (err) {
        lastError = err;
        continue;
      }
    }
    try {
      const rtcp = await bindSocket(host, port + 1);
      return pair(rtp, rtcp);
    } catch (err) {
      lastError = err;
      await closeSocket(rtp);
    }
  }
  throw new Error(`no free adjacent UDP port pair on ${host}`, { cause: lastError });
}

function pair(rtp: dgram.Socket, rtcp: dgram.Socket): UdpPair {
  return {
    rtp,
    rtcp,
    ports: [rtp.address().port, rtcp.address().port],
    close: async () => {
      await Promise.all([closeSocket(rtp), closeSocket(rtcp)]);
    },
  };
}

export function bindSocket(host: string, port: number): Promise<dgram.Socket> {
  const type = host.includes(':') ? 'udp6' : 'udp4';
  const socket = dgram.createSocket({ type, reuseAddr: false });
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      socket.close();
      reject(err);
    };
    socket.once('error', onError);
    socket.bind(port, host, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

export function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      // Already closed: nothing left to release.
      resolve();
    }
  });
}
