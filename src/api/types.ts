/**
 * The shapes the API serves and the interfaces the composition root implements for it.
 */
import type { AudioCodec, VideoCodec } from '../../protocols/media/frame.ts';
import type { FactoryName, PublisherKind, ReaderProtocol } from '../streams/types.ts';

/** One live stream as GET /api/v1/streams lists it. */
export interface StreamInfo {
  readonly factory: FactoryName;
  /** Camera path `site/camera`. */
  readonly path: string;
  readonly publisher: { readonly kind: PublisherKind; readonly remote: string } | null;
  readonly video?: {
    readonly codec: VideoCodec;
    readonly width?: number;
    readonly height?: number;
    readonly fps?: number;
    readonly profile?: number;
    readonly level?: number;
  };
  readonly audio?: { readonly codec: AudioCodec; readonly sampleRate: number; readonly channels: number };
  /** Measured incoming bitrate, averaged over the last `bitrateWindowSeconds` (bit/s). */
  readonly bitrateBps: number;
  /** The averaging window of `bitrateBps` (s). */
  readonly bitrateWindowSeconds: number;
  /** Readers per protocol; Cupola's own consumers (compression, replication, snapshots) under `internal`. */
  readonly readers: Readonly<Partial<Record<ReaderProtocol, number>>>;
  /** Readers that are not Cupola's own: the `rtmp` and `rtsp` counts. */
  readonly viewers: number;
  /** Cupola's own consumers: the `internal` count. */
  readonly internalReaders: number;
  /** Seconds since the current publisher started. */
  readonly uptimeSeconds: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly framesIn: number;
  readonly framesOut: number;
  readonly framesDropped: number;
}

/** What the API needs from the stream registries (the lead adapts both factories to it). */
export interface StreamsView {
  list(): StreamInfo[];
}

/** Per-camera compression status (slave workers, master takeovers, compressor role): GET /api/v1/compression. */
export interface CompressionView {
  list(): readonly object[];
}

/** The master's replication: GET /api/v1/replication. */
export interface ReplicationView {
  /** Every pulled stream with its state. */
  list(): readonly object[];
  /** Every followed upstream (reachable, events connected, ports). */
  upstreams(): readonly object[];
  /** Cameras the master compresses itself (failover). */
  failovers(): readonly string[];
}

/** A readiness check: resolves (or returns true) when healthy; throws/rejects/returns false otherwise. */
export interface ReadinessCheck {
  readonly name: string;
  check(): boolean | Promise<boolean | void>;
}

/** Minimal logger the API writes to (structured fields; tokens are never passed in). */
export interface ApiLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: ApiLogger = Object.freeze({ info() {}, warn() {}, error() {} });

/** GET /api/v1/node: who answers. */
export interface NodeInfo {
  readonly name: string;
  readonly role: string;
  readonly version: string;
  /**
   * Media ports this node serves on (null: not served by this role); followers read them. The TLS
   * ports are null when off: a master pulls over rtmps:// / rtsps:// when they are offered.
   */
  readonly ports?: {
    readonly rtmp: number | null;
    readonly rtspRaw: number | null;
    readonly rtspCompressed: number | null;
    readonly rtmps?: number | null;
    readonly rtspsRaw?: number | null;
    readonly rtspsCompressed?: number | null;
  };
}
