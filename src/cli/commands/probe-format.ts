/** Text output of `cupola probe`. */
import { formatBitrate, formatTable } from '../../api/client/table.ts';
import type { ProbeReport, ProbeTrackReport } from './probe-meter.ts';

function codecDetail(t: ProbeTrackReport): string {
  if (t.kind === 'video') {
    const parts = [t.codec];
    if (t.profile !== undefined) parts.push(`profile ${t.profile}`);
    if (t.level !== undefined) parts.push(`level ${t.level}`);
    return parts.join(' ');
  }
  const parts = [t.codec];
  if (t.sampleRate !== undefined) parts.push(`${t.sampleRate} Hz`);
  if (t.channels !== undefined) parts.push(`${t.channels} ch`);
  return parts.join(' ');
}

export function formatProbeReport(r: ProbeReport): string {
  const rows = r.tracks.map((t) => [
    t.kind,
    codecDetail(t),
    t.width !== undefined && t.height !== undefined ? `${t.width}x${t.height}` : undefined,
    t.fps === null ? undefined : t.fps.toFixed(2) + (t.declaredFps !== undefined ? ` (declared ${t.declaredFps})` : ''),
    t.bitrateBps === null ? undefined : formatBitrate(t.bitrateBps),
    t.keyframeIntervalSeconds === null ? undefined : `${t.keyframeIntervalSeconds.toFixed(2)} s`,
    t.frames,
  ]);
  const head = `${r.url} (${r.protocol}), measured over ${r.measuredSeconds.toFixed(2)} s of stream time` +
    (r.bitrateBps !== null ? `, total ${formatBitrate(r.bitrateBps)}` : '');
  return `${head}\n${formatTable(['track', 'codec', 'resolution', 'fps', 'bitrate', 'keyframe every', 'frames'], rows)}`;
}
