/**
 * The socket of an RTMP or RTSP client: plain TCP, or TLS for rtmps:// and rtsps:// (the master
 * replicating from a slave that offers TLS). One place decides how the certificate is checked.
 */
import net from 'node:net';
import tls from 'node:tls';

/** How a client checks the server's certificate (TLS URLs only). */
export interface ClientTls {
  /** PEM CA certificate(s) trusted besides the system's (a self-signed server's own certificate works). */
  readonly ca?: string | Buffer;
  /** false: accept any certificate (encrypted, not authenticated). Defaults to true. */
  readonly rejectUnauthorized?: boolean;
}

export interface ClientSocket {
  readonly socket: net.Socket;
  /** 'connect' for TCP, 'secureConnect' for TLS: when the protocol may start writing. */
  readonly readyEvent: 'connect' | 'secureConnect';
}

/** Connects to host:port, over TLS when `secure` (SNI is sent for host names, not for IP addresses). */
export function connectClientSocket(host: string, port: number, secure: boolean, o: ClientTls = {}): ClientSocket {
  if (!secure) return { socket: net.connect({ host, port }), readyEvent: 'connect' };
  const socket = tls.connect({
    host,
    port,
    ...(net.isIP(host) === 0 ? { servername: host } : {}),
    ...(o.ca !== undefined ? { ca: [...tls.rootCertificates, o.ca.toString()] } : {}),
    rejectUnauthorized: o.rejectUnauthorized ?? true,
  });
  return { socket, readyEvent: 'secureConnect' };
}
