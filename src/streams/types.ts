/**
 * The stream registry's public shapes. One registry per factory ('raw' = Factory 1, 'compressed' =
 * Factory 2). Ingests publish Frames into a Stream; outputs subscribe to it.
 */
import type { Frame, StreamDescription, TrackKind } from '../../protocols/media/frame.ts';

export type FactoryName = 'raw' | 'compressed';

/**
 * Who feeds a stream; shown in the API and metrics. 'source': a catalog camera Cupola pulls itself
 * (its `source` URL, src/sources). `placeholder`: the "camera offline" picture that stands in for an
 * always-available camera while it is away (see StreamRegistry.publishStandIn).
 */
export type PublisherKind = 'rtmp' | 'rtsp' | 'compressor' | 'replication' | 'source' | 'internal' | 'placeholder';

export interface PublisherInfo {
  readonly kind: PublisherKind;
  /** Peer address or a description such as `worker:site1/cam1`. */
  readonly remote: string;
  /** Publish key given by the publisher (`?key=` on RTMP), checked by the registry's authorizer. */
  readonly key?: string;
}

/** What a subscriber (an output such as the RTMP or RTSP packetizer of one stream) receives. */
export interface FrameSink {
  /** Codec parameters changed (or became known). Always called before the first frame. */
  onDescription(desc: StreamDescription): void;
  /** RTMP onMetaData (or equivalent) object, forwarded to RTMP readers. */
  onMetadata?(meta: Readonly<Record<string, unknown>>): void;
  onFrame(frame: Frame): void;
  /** The publisher left; a new one may take the path and frames continue (timestamps rebased). */
  onPublisherGone?(): void;
  /** The stream is gone for good (no publisher came back within the grace period): close readers. */
  onEnd(): void;
}

/** The socket-like thing one reader writes to. */
export interface ReaderTransport {
  /** Bytes accepted but not yet sent (socket.writableLength); 0 for datagram transports. */
  readonly pendingBytes: number;
  /** Writes one unit's buffers (cork/uncork around them for a stream socket). */
  writev(buffers: readonly Buffer[], track: TrackKind): void;
  /** Closes the reader (it cannot keep up, or the stream ended). */
  close(reason: string): void;
}

export type ReaderProtocol = 'rtmp' | 'rtsp' | 'webrtc' | 'internal';

export interface StreamStats {
  bytesIn: number;
  framesIn: number;
  bytesOut: number;
  framesOut: number;
  /** Frames not delivered to some reader because it was too slow (counted once per reader). */
  framesDropped: number;
  /** Readers closed because they stayed behind. */
  readersEvicted: number;
}

/**
 * path-busy: someone publishes the path; bad-key: wrong or missing publish key; unknown-camera: not
 * in the catalog; bad-path: not `site/camera`; disabled: camera disabled or server closing;
 * unauthorized: this factory takes no publisher of this kind (e.g. a remote push to Factory 2 with
 * no push credentials configured); register-limit: auto-registration reached `cameras.autoRegisterMax`.
 */
export type PublishRejectReason = 'path-busy' | 'bad-key' | 'unknown-camera' | 'bad-path' | 'disabled' | 'unauthorized' | 'register-limit';

export class PublishRejectedError extends Error {
  override readonly name = 'PublishRejectedError';
  constructor(
    readonly reason: PublishRejectReason,
    message: string,
  ) {
    super(message);
  }
}

/** Decides whether a publisher may take a path; throws PublishRejectedError to refuse. */
export type PublishAuthorizer = (path: string, publisher: PublisherInfo) => void;
