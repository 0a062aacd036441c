/**
 * What replication needs from a protocol client: open a play session on a URL and receive the
 * description, metadata and frames until it closes. The RTMP and RTSP clients are adapted to this in
 * sources.ts; tests pass scripted sources.
 */
import type { Frame, StreamDescription } from '../../protocols/media/frame.ts';
import type { FactoryName } from '../streams/types.ts';
import type { ClientTls } from '../net/client-socket.ts';

export interface SourceHandlers {
  /** Codec parameters (first, and again when they change). */
  onDescription(desc: StreamDescription): void;
  /** RTMP onMetaData (RTSP sources never call it). */
  onMetadata(meta: Readonly<Record<string, unknown>>): void;
  onFrame(frame: Frame): void;
  /** The session ended: `error` says why, null when the server ended it cleanly. Called at most once. */
  onClose(error: Error | null): void;
}

export interface SourceSession {
  /** Bytes received from the network so far, when the client counts them. */
  readonly bytesReceived?: number;
  /** Ends the session; no handler is called after it. */
  close(): void;
}

export interface SourceRequest {
  /** Which factory of the upstream: 'raw' is pulled over RTMP, 'compressed' over RTSP/TCP. */
  readonly factory: FactoryName;
  readonly url: string;
  /** For upstreams whose factories require read credentials. */
  readonly credentials?: { readonly user: string; readonly pass: string } | undefined;
  /** Give up connecting after this (ms). */
  readonly connectTimeoutMs: number;
  /** rtmps:// and rtsps:// URLs: how the upstream's certificate is checked. */
  readonly tls?: ClientTls | undefined;
}

export type OpenSource = (request: SourceRequest, handlers: SourceHandlers) => SourceSession;
