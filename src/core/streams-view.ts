/**
 * Adapts the stream registries to the API's StreamsView: every live stream of every factory.
 */
import type { StreamRegistry } from '../streams/registry.ts';
import { BITRATE_WINDOW_SECONDS, type Stream } from '../streams/stream.ts';
import type { StreamInfo, StreamsView } from '../api/types.ts';

export function streamInfoOf(stream: Stream, now: number): StreamInfo {
  const d = stream.description;
  const v = d?.video;
  const a = d?.audio;
  const fps = v?.fps ?? (v !== undefined ? Math.round(stream.fps() * 100) / 100 : undefined);
  return {
    factory: stream.factory,
    path: stream.path,
    publisher: stream.publisher === null ? null : { kind: stream.publisher.kind, remote: stream.publisher.remote },
    ...(v !== undefined
      ? {
          video: {
            codec: v.codec,
            ...(v.width !== undefined ? { width: v.width } : {}),
            ...(v.height !== undefined ? { height: v.height } : {}),
            ...(fps !== undefined ? { fps } : {}),
            ...(v.profile !== undefined ? { profile: v.profile } : {}),
            ...(v.level !== undefined ? { level: v.level } : {}),
          },
        }
      : {}),
    ...(a !== undefined ? { audio: { codec: a.codec, sampleRate: a.sampleRate, channels: a.channels } } : {}),
    bitrateBps: Math.round(stream.bitrateBps()),
    bitrateWindowSeconds: BITRATE_WINDOW_SECONDS,
    readers: Object.fromEntries(stream.readerCounts()),
    viewers: stream.readerCount('rtmp') + stream.readerCount('rtsp'),
    internalReaders: stream.readerCount('internal'),
    uptimeSeconds: stream.publishedAt === null ? 0 : Math.max(0, (now - stream.publishedAt) / 1000),
    bytesIn: stream.stats.bytesIn,
    bytesOut: stream.stats.bytesOut,
    framesIn: stream.stats.framesIn,
    framesOut: stream.stats.framesOut,
    framesDropped: stream.stats.framesDropped,
  };
}

export function registryStreamsView(registries: readonly StreamRegistry[], now: () => number = Date.now): StreamsView {
  return {
    list: () => {
      const t = now();
      return registries.flatMap((r) => r.live().map((s) => streamInfoOf(s, t)));
    },
  };
}
