/**
 * Prometheus metrics (prom-client): the default process metrics plus `cupola_` metrics in base units
 * with `_total` counters. Labels stay bounded: factory, camera path, protocol, error code, reason —
 * never a connection.
 *
 * State that other parts already keep (stream stats, compressor progress, replication state) is
 * pulled at scrape time through samplers, so the media path pays nothing; discrete events
 * (connections, protocol errors, publish rejections) are pushed through the typed methods.
 */
import { PUBLISHED_COMPRESSION_STATES, type PublishedCompressionState } from '../compression/compression-status.ts';
import type { HlsMetrics } from '../hls/hls-service.ts';
import { Counter, Gauge, Registry } from './prom-client-parts.ts';
import { registerDefaultMetrics } from './default-metrics.ts';
import type { ProtocolErrorCode } from '../../protocols/errors.ts';
import type { FactoryName, PublishRejectedError, ReaderProtocol, StreamStats } from '../streams/types.ts';
import { CounterDeltas } from './counter-deltas.ts';
import type { WebrtcMetrics } from '../webrtc/whep-service.ts';
import { SOURCE_STATES, type SourceState } from '../sources/source-status.ts';

export interface StreamSample {
  readonly factory: FactoryName;
  /** Camera path (`site/camera`). */
  readonly path: string;
  /** Identity of the object counting (the Stream); a new one starts its counts from zero. */
  readonly source: unknown;
  readonly live: boolean;
  readonly stats: Readonly<StreamStats>;
  readonly readers: Readonly<Partial<Record<ReaderProtocol, number>>>;
}


export interface CompressionSample {
  readonly camera: string;
  readonly state: PublishedCompressionState;
  /** Identity of the counting run (the ffmpeg pid or the worker); a new one starts counts from zero. */
  readonly source: unknown;
  readonly fps: number;
  /** Encoding speed relative to real time. */
  readonly speed: number;
  readonly bitrateBps: number;
  /** Cumulative counts for this source. */
  readonly restarts: number;
  readonly framesDropped: number;
  readonly framesDuplicated: number;
}

export const REPLICATION_STATES = ['idle', 'connecting', 'live', 'stalled', 'backoff', 'stopped'] as const;
export type ReplicationState = (typeof REPLICATION_STATES)[number];

export interface ReplicationSample {
  readonly factory: FactoryName;
  readonly path: string;
  readonly state: ReplicationState;
  readonly source: unknown;
  /** Cumulative counts for this source. */
  readonly reconnects: number;
  readonly bytes: number;
  /** Null before the first frame. */
  readonly secondsSinceLastFrame: number | null;
  /** Latency the replica adds over the origin, when measured. */
  readonly addedDelaySeconds: number | null;
}

/** Bytes held under the node's memory budgets right now. */
export interface BudgetSample {
  /** Buffered input of all connections (the input budget's total). */
  readonly inputBytes: number;
  /** Output waiting in readers' sockets and write queues (the output budget's total). */
  readonly outputBytes: number;
  /** Bytes the GOP caches hold (the GOP budget's total). */
  readonly gopCacheBytes?: number;
  /** GOPs not cached because the GOP budget was full, since start. */
  readonly gopCacheRefusals?: number;
}

/** One pulled camera (src/sources); the labels carry the camera id only, never its URL. */
export interface SourceSample {
  readonly camera: string;
  readonly state: SourceState;
  readonly source: unknown;
  /** Cumulative counts for this source. */
  readonly restarts: number;
  readonly bytes: number;
  readonly secondsSinceLastFrame: number | null;
}

export interface MetricsSamplers {
  streams?: () => Iterable<StreamSample>;
  budgets?: () => BudgetSample;
  compression?: () => Iterable<CompressionSample>;
  replication?: () => Iterable<ReplicationSample>;
  sources?: () => Iterable<SourceSample>;
}

export interface MetricsOptions {
  /** prom-client's process metrics (CPU, memory, event loop lag, GC). Defaults to true. */
  readonly defaultMetrics?: boolean;
}

/** The listener family; the TLS listeners count apart (`rtmps`, `rtsps`) so plain and encrypted use can be told. */
export type ConnectionProtocol = 'rtmp' | 'rtsp' | 'rtmps' | 'rtsps';
export type ConnectionRefusedReason = 'per-ip-cap' | 'connection-cap';
export type ConnectionShedReason = 'evicted' | 'first-request-timeout' | 'authorise-timeout' | 'connection-budget' | 'input-budget';
export type PublishRejectReason = PublishRejectedError['reason'];

/**
 * The discrete events one listener reports, with its protocol and factory bound
 * (`metrics.forListener('rtmp', 'raw')`): a listener takes this as an optional dependency.
 */
export interface ListenerMetrics {
  connectionOpened(): void;
  connectionClosed(): void;
  /** A connection refused at accept (per-address cap, every slot authorised). */
  connectionRefused(reason: ConnectionRefusedReason): void;
  /** An open connection closed by a limit (timeouts, input budget, evicted for a newer one). */
  connectionShed(reason: ConnectionShedReason): void;
  protocolError(code: ProtocolErrorCode): void;
  publishRejected(reason: PublishRejectReason): void;
}

export class Metrics {
  readonly registry = new Registry();
  #samplers: MetricsSamplers = {};
  #streamDeltas = new CounterDeltas<'bytesIn' | 'bytesOut' | 'framesIn' | 'framesOut' | 'framesDropped' | 'readersEvicted'>();
  #compressionDeltas = new CounterDeltas<'restarts' | 'framesDropped' | 'framesDuplicated'>();
  #replicationDeltas = new CounterDeltas<'reconnects' | 'bytes'>();
  #sourceDeltas = new CounterDeltas<'restarts' | 'bytes'>();

  #streamsLive: Gauge<'factory'>;
  #readers: Gauge<'factory' | 'protocol'>;
  #factoryBytes: Counter<'factory' | 'direction'>;
  #factoryFrames: Counter<'factory' | 'direction'>;
  #streamBytesIn: Counter<'factory' | 'path'>;
  #streamBytesOut: Counter<'factory' | 'path'>;
  #streamFramesIn: Counter<'factory' | 'path'>;
  #streamFramesOut: Counter<'factory' | 'path'>;
  #framesDropped: Counter<'factory' | 'path'>;
  #readersEvicted: Counter<'factory' | 'path'>;
  #connections: Gauge<'protocol' | 'factory'>;
  #connectionsTotal: Counter<'protocol' | 'factory'>;
  #protocolErrors: Counter<'code'>;
  #connectionsRefused: Counter<'protocol' | 'factory' | 'reason'>;
  #connectionsShed: Counter<'protocol' | 'factory' | 'reason'>;
  #inputBytes: Gauge;
  #outputBytes: Gauge;
  #gopBytes: Gauge;
  #gopRefusals: Counter;
  /** The GOP budget's refusals already counted into #gopRefusals. */
  #gopRefusalsSeen = 0;
  #publishRejections: Counter<'factory' | 'reason'>;
  #compFps: Gauge<'camera'>;
  #compSpeed: Gauge<'camera'>;
  #compBitrate: Gauge<'camera'>;
  #compState: Gauge<'camera' | 'state'>;
  #compQueued: Gauge<never>;
  #compRestarts: Counter<'camera'>;
  #compDropped: Counter<'camera'>;
  #compDuplicated: Counter<'camera'>;
  #replState: Gauge<'factory' | 'path' | 'state'>;
  #replReconnects: Counter<'factory' | 'path'>;
  #replBytes: Counter<'factory' | 'path'>;
  #replSinceFrame: Gauge<'factory' | 'path'>;
  #replDelay: Gauge<'factory' | 'path'>;
  #webrtcSessions: Gauge<'factory'>;
  #webrtcSessionsTotal: Counter<'factory'>;
  #webrtcRefused: Counter<'factory' | 'reason'>;
  #webrtcBytes: Counter<'factory'>;
  #webrtcPackets: Counter<'factory'>;
  #webrtcLost: Counter<'factory'>;
  #srcState: Gauge<'camera' | 'state'>;
  #srcRestarts: Counter<'camera'>;
  #srcBytes: Counter<'camera'>;
  #srcSinceFrame: Gauge<'camera'>;
  #hlsMuxers: Gauge<'factory'>;
  #hlsParts: Counter<'factory'>;
  #hlsSegments: Counter<'factory'>;
  #hlsRequests: Counter<'factory'>;
  #hlsBytes: Counter<'factory'>;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) registerDefaultMetrics(this.registry);
    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> =>
      new Gauge({ name, help, labelNames, registers });
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> =>
      new Counter({ name, help, labelNames, registers });
    const fp = ['factory', 'path'] as const;

    this.#streamsLive = gauge('cupola_streams_live', 'Streams with a publisher and a known description.', ['factory']);
    this.#readers = gauge('cupola_readers', 'Readers attached to live streams.', ['factory', 'protocol']);
    this.#factoryBytes = counter('cupola_factory_bytes_total', 'Media payload bytes received from publishers (in) or sent to readers (out).', ['factory', 'direction']);
    this.#factoryFrames = counter('cupola_factory_frames_total', 'Frames received from publishers (in) or delivered to readers (out).', ['factory', 'direction']);
    this.#streamBytesIn = counter('cupola_stream_received_bytes_total', 'Media payload bytes received from the publisher, per camera path.', fp);
    this.#streamBytesOut = counter('cupola_stream_sent_bytes_total', 'Media payload bytes sent to readers, per camera path.', fp);
    this.#streamFramesIn = counter('cupola_stream_received_frames_total', 'Frames received from the publisher, per camera path.', fp);
    this.#streamFramesOut = counter('cupola_stream_sent_frames_total', 'Frames delivered to readers, per camera path.', fp);
    this.#framesDropped = counter('cupola_stream_dropped_frames_total', 'Frames not delivered to a reader because it was too slow (once per reader).', fp);
    this.#readersEvicted = counter('cupola_stream_evicted_readers_total', 'Readers closed because they stayed behind.', fp);
    this.#connections = gauge('cupola_connections', 'Open RTMP/RTSP connections.', ['protocol', 'factory']);
    this.#connectionsTotal = counter('cupola_connections_total', 'RTMP/RTSP connections accepted.', ['protocol', 'factory']);
    this.#protocolErrors = counter('cupola_protocol_errors_total', 'Connections closed for a protocol violation, by ProtocolError code.', ['code']);
    this.#connectionsRefused = counter('cupola_connections_refused_total', 'Connections refused at accept, by reason (per-ip-cap, connection-cap).', ['protocol', 'factory', 'reason']);
    this.#connectionsShed = counter(
      'cupola_connections_shed_total',
      'Connections closed by a limit, by reason (evicted, first-request-timeout, authorise-timeout, connection-budget, input-budget).',
      ['protocol', 'factory', 'reason'],
    );
    this.#inputBytes = gauge('cupola_input_buffered_bytes', 'Input buffered by the parsers of all connections (limits.maxInputBytes bounds it).', []);
    this.#outputBytes = gauge('cupola_output_pending_bytes', 'Output waiting for readers\' sockets (limits.maxOutputBytes bounds it).', []);
    this.#gopBytes = gauge('cupola_gop_cache_bytes', 'Bytes the GOP caches of all streams and outputs hold (limits.maxGopCacheBytes bounds it).', []);
    this.#gopRefusals = counter('cupola_gop_cache_refusals_total', 'GOPs not cached (readers joining them wait for the next keyframe) because limits.maxGopCacheBytes was reached.', []);
    this.#publishRejections = counter('cupola_publish_rejections_total', 'Publish attempts refused, by reason.', ['factory', 'reason']);
    this.#compFps = gauge('cupola_compression_fps', 'Encoder frames per second.', ['camera']);
    this.#compSpeed = gauge('cupola_compression_speed', 'Encoding speed relative to real time (1 = real time).', ['camera']);
    this.#compBitrate = gauge('cupola_compression_output_bitrate_bits_per_second', 'Compressed output bitrate.', ['camera']);
    this.#compState = gauge('cupola_compression_state', 'Compressor state (1 for the current state).', ['camera', 'state']);
    this.#compQueued = gauge('cupola_compression_queued', 'Cameras waiting for a compression worker slot (compression.maxWorkers).', []);
    this.#compRestarts = counter('cupola_compression_restarts_total', 'ffmpeg restarts.', ['camera']);
    this.#compDropped = counter('cupola_compression_frames_dropped_total', 'Frames ffmpeg dropped (rate conversion or overload).', ['camera']);
    this.#compDuplicated = counter('cupola_compression_frames_duplicated_total', 'Frames ffmpeg duplicated (rate conversion).', ['camera']);
    this.#replState = gauge('cupola_replication_state', 'Replication state per pulled stream (1 for the current state).', ['factory', 'path', 'state']);
    this.#replReconnects = counter('cupola_replication_reconnects_total', 'Replication reconnects.', fp);
    this.#replBytes = counter('cupola_replication_bytes_total', 'Bytes received by replication.', fp);
    this.#replSinceFrame = gauge('cupola_replication_seconds_since_last_frame', 'Time since replication last received a frame.', fp);
    this.#replDelay = gauge('cupola_replication_added_delay_seconds', 'Latency replication adds over the origin.', fp);
    this.#webrtcSessions = gauge('cupola_webrtc_sessions', 'WHEP (WebRTC) sessions open, answered or connected.', ['factory']);
    this.#webrtcSessionsTotal = counter('cupola_webrtc_sessions_total', 'WHEP sessions answered.', ['factory']);
    this.#webrtcRefused = counter('cupola_webrtc_refused_total', 'WHEP offers refused, by reason (bad-offer, not-live, session-cap).', ['factory', 'reason']);
    this.#webrtcBytes = counter('cupola_webrtc_sent_bytes_total', 'RTP bytes (before SRTP) sent to WHEP sessions.', ['factory']);
    this.#webrtcPackets = counter('cupola_webrtc_sent_packets_total', 'RTP packets sent to WHEP sessions.', ['factory']);
    this.#webrtcLost = counter('cupola_webrtc_packets_lost_total', 'Packets WHEP receivers report lost (RTCP receiver reports, cumulative-lost increases).', ['factory']);
    for (const factory of ['raw', 'compressed'] as const) this.#webrtcSessions.set({ factory }, 0);
    this.#srcState = gauge('cupola_source_state', 'Pulled camera source state (1 for the current state).', ['camera', 'state']);
    this.#srcRestarts = counter('cupola_source_restarts_total', 'Pulled camera reconnects after a failure or stall.', ['camera']);
    this.#srcBytes = counter('cupola_source_bytes_total', 'Media bytes received from pulled cameras.', ['camera']);
    this.#srcSinceFrame = gauge('cupola_source_seconds_since_last_frame', 'Time since a pulled camera last sent a frame.', ['camera']);
    this.#hlsMuxers = gauge('cupola_hls_muxers', 'LL-HLS muxers running (streams someone requested within hls.idleStopMs).', ['factory']);
    this.#hlsParts = counter('cupola_hls_parts_total', 'LL-HLS parts made.', ['factory']);
    this.#hlsSegments = counter('cupola_hls_segments_total', 'LL-HLS segments completed.', ['factory']);
    this.#hlsRequests = counter('cupola_hls_requests_total', 'LL-HLS requests answered with 200 (playlists, init, parts, segments).', ['factory']);
    this.#hlsBytes = counter('cupola_hls_sent_bytes_total', 'LL-HLS bytes sent (playlists and media).', ['factory']);
  }

  /** The WebRTC (WHEP) events, pushed by the WhepService. */
  readonly webrtc: WebrtcMetrics = {
    sessionOpened: (factory) => {
      this.#webrtcSessions.inc({ factory });
      this.#webrtcSessionsTotal.inc({ factory });
    },
    sessionClosed: (factory) => this.#webrtcSessions.dec({ factory }),
    sessionRefused: (factory, reason) => this.#webrtcRefused.inc({ factory, reason }),
    bytesSent: (factory, bytes, packets) => {
      this.#webrtcBytes.inc({ factory }, bytes);
      this.#webrtcPackets.inc({ factory }, packets);
    },
    packetsLost: (factory, packets) => this.#webrtcLost.inc({ factory }, packets),
  };

  /** Installs (or replaces) the samplers read at every scrape. */
  setSamplers(samplers: MetricsSamplers): void {
    this.#samplers = { ...this.#samplers, ...samplers };
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Samples everything and renders the Prometheus text exposition format. */
  async text(): Promise<string> {
    this.#sampleStreams();
    const budgets = this.#samplers.budgets?.();
    if (budgets !== undefined) {
      this.#inputBytes.set(budgets.inputBytes);
      this.#outputBytes.set(budgets.outputBytes);
      if (budgets.gopCacheBytes !== undefined) this.#gopBytes.set(budgets.gopCacheBytes);
      if (budgets.gopCacheRefusals !== undefined && budgets.gopCacheRefusals > this.#gopRefusalsSeen) {
        this.#gopRefusals.inc(budgets.gopCacheRefusals - this.#gopRefusalsSeen);
        this.#gopRefusalsSeen = budgets.gopCacheRefusals;
      }
    }
    this.#sampleCompression();
    this.#sampleReplication();
    this.#sampleSources();
    return this.registry.metrics();
  }

  /** What the LL-HLS muxers and routes report. */
  readonly hls: HlsMetrics = {
    muxerStarted: (factory) => this.#hlsMuxers.inc({ factory }),
    muxerStopped: (factory) => this.#hlsMuxers.dec({ factory }),
    partMade: (factory) => this.#hlsParts.inc({ factory }),
    segmentMade: (factory) => this.#hlsSegments.inc({ factory }),
    request: (factory, bytes) => {
      this.#hlsRequests.inc({ factory });
      this.#hlsBytes.inc({ factory }, bytes);
    },
  };

  /** The events of one listener, labels bound. */
  forListener(protocol: ConnectionProtocol, factory: FactoryName): ListenerMetrics {
    return {
      connectionOpened: () => this.connectionOpened(protocol, factory),
      connectionClosed: () => this.connectionClosed(protocol, factory),
      connectionRefused: (reason) => this.#connectionsRefused.inc({ protocol, factory, reason }),
      connectionShed: (reason) => this.#connectionsShed.inc({ protocol, factory, reason }),
      protocolError: (code) => this.protocolError(code),
      publishRejected: (reason) => this.publishRejected(factory, reason),
    };
  }

  connectionOpened(protocol: ConnectionProtocol, factory: FactoryName): void {
    this.#connections.inc({ protocol, factory });
    this.#connectionsTotal.inc({ protocol, factory });
  }

  connectionClosed(protocol: ConnectionProtocol, factory: FactoryName): void {
    this.#connections.dec({ protocol, factory });
  }

  protocolError(code: ProtocolErrorCode): void {
    this.#protocolErrors.inc({ code });
  }

  publishRejected(factory: FactoryName, reason: PublishRejectReason): void {
    this.#publishRejections.inc({ factory, reason });
  }

  /** Drops every series of a camera that was removed from the config (keeps label sets bounded). */
  forgetCamera(path: string): void {
    for (const m of [this.#streamBytesIn, this.#streamBytesOut, this.#streamFramesIn, this.#streamFramesOut, this.#framesDropped, this.#readersEvicted, this.#replReconnects, this.#replBytes]) {
      for (const factory of ['raw', 'compressed'] as const) m.remove({ factory, path });
    }
    for (const factory of ['raw', 'compressed'] as const) {
      this.#streamDeltas.forget(`${factory}|${path}`);
      this.#replicationDeltas.forget(`${factory}|${path}`);
    }
    for (const m of [this.#compRestarts, this.#compDropped, this.#compDuplicated, this.#srcRestarts, this.#srcBytes]) m.remove({ camera: path });
    this.#compressionDeltas.forget(path);
    this.#sourceDeltas.forget(path);
  }

  /**
   * Folds one stream's counts into the counters now. Call it when a stream goes down (before the
   * registry may drop the Stream object), so bytes since the last scrape are not lost.
   */
  observeStream(s: StreamSample): void {
    const { factory, path } = s;
    const d = this.#streamDeltas.delta(`${factory}|${path}`, s.source, {
      bytesIn: s.stats.bytesIn,
      bytesOut: s.stats.bytesOut,
      framesIn: s.stats.framesIn,
      framesOut: s.stats.framesOut,
      framesDropped: s.stats.framesDropped,
      readersEvicted: s.stats.readersEvicted,
    });
    const l = { factory, path };
    this.#streamBytesIn.inc(l, d.bytesIn);
    this.#streamBytesOut.inc(l, d.bytesOut);
    this.#streamFramesIn.inc(l, d.framesIn);
    this.#streamFramesOut.inc(l, d.framesOut);
    this.#framesDropped.inc(l, d.framesDropped);
    this.#readersEvicted.inc(l, d.readersEvicted);
    this.#factoryBytes.inc({ factory, direction: 'in' }, d.bytesIn);
    this.#factoryBytes.inc({ factory, direction: 'out' }, d.bytesOut);
    this.#factoryFrames.inc({ factory, direction: 'in' }, d.framesIn);
    this.#factoryFrames.inc({ factory, direction: 'out' }, d.framesOut);
  }

  #sampleStreams(): void {
    const sampler = this.#samplers.streams;
    this.#streamsLive.reset();
    this.#readers.reset();
    for (const f of ['raw', 'compressed'] as const) this.#streamsLive.set({ factory: f }, 0);
    if (sampler === undefined) return;
    for (const s of sampler()) {
      const { factory } = s;
      if (s.live) this.#streamsLive.inc({ factory });
      for (const [protocol, n] of Object.entries(s.readers)) if (n !== undefined && n > 0) this.#readers.inc({ factory, protocol }, n);
      this.observeStream(s);
    }
  }

  #sampleCompression(): void {
    const sampler = this.#samplers.compression;
    for (const g of [this.#compFps, this.#compSpeed, this.#compBitrate, this.#compState]) g.reset();
    this.#compQueued.set(0);
    if (sampler === undefined) return;
    let queued = 0;
    for (const s of sampler()) {
      if (s.state === 'queued') queued++;
      const camera = s.camera;
      this.#compFps.set({ camera }, s.fps);
      this.#compSpeed.set({ camera }, s.speed);
      this.#compBitrate.set({ camera }, s.bitrateBps);
      for (const state of PUBLISHED_COMPRESSION_STATES) this.#compState.set({ camera, state }, state === s.state ? 1 : 0);
      const d = this.#compressionDeltas.delta(camera, s.source, {
        restarts: s.restarts,
        framesDropped: s.framesDropped,
        framesDuplicated: s.framesDuplicated,
      });
      this.#compRestarts.inc({ camera }, d.restarts);
      this.#compDropped.inc({ camera }, d.framesDropped);
      this.#compDuplicated.inc({ camera }, d.framesDuplicated);
    }
    this.#compQueued.set(queued);
  }

  #sampleSources(): void {
    const sampler = this.#samplers.sources;
    for (const g of [this.#srcState, this.#srcSinceFrame]) g.reset();
    if (sampler === undefined) return;
    for (const s of sampler()) {
      const l = { camera: s.camera };
      for (const state of SOURCE_STATES) this.#srcState.set({ ...l, state }, state === s.state ? 1 : 0);
      if (s.secondsSinceLastFrame !== null) this.#srcSinceFrame.set(l, s.secondsSinceLastFrame);
      const d = this.#sourceDeltas.delta(s.camera, s.source, { restarts: s.restarts, bytes: s.bytes });
      this.#srcRestarts.inc(l, d.restarts);
      this.#srcBytes.inc(l, d.bytes);
    }
  }

  #sampleReplication(): void {
    const sampler = this.#samplers.replication;
    for (const g of [this.#replState, this.#replSinceFrame, this.#replDelay]) g.reset();
    if (sampler === undefined) return;
    for (const s of sampler()) {
      const l = { factory: s.factory, path: s.path };
      for (const state of REPLICATION_STATES) this.#replState.set({ ...l, state }, state === s.state ? 1 : 0);
      if (s.secondsSinceLastFrame !== null) this.#replSinceFrame.set(l, s.secondsSinceLastFrame);
      if (s.addedDelaySeconds !== null) this.#replDelay.set(l, s.addedDelaySeconds);
      const d = this.#replicationDeltas.delta(`${s.factory}|${s.path}`, s.source, { reconnects: s.reconnects, bytes: s.bytes });
      this.#replReconnects.inc(l, d.reconnects);
      this.#replBytes.inc(l, d.bytes);
    }
  }
}
