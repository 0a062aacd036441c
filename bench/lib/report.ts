/** Plain-text tables of the suites' rows, with the side-by-side ratios. */
import type { FanoutRow } from '../suites/fanout.ts';
import type { IngestRow } from '../suites/ingest.ts';
import type { ReplicationResult } from '../suites/replication.ts';
import type { BrowserResult } from '../suites/browser.ts';

function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? (Number.isNaN(c) ? 'n/a' : String(c)) : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
  return [line(cells[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? 'n/a' : `${(a / b).toFixed(2)}x`;

export function printFanout(rows: FanoutRow[]): void {
  console.log('\nFan-out (one 720p25 ~4.2 Mbit/s publisher, N readers)');
  console.log(table(
    ['server', 'proto', 'N', 'connected', 'cores', 'CPU s/GB', 'user s/GB', 'keeping up', 'RSS MB', 'join kf p50/p95 ms', 'latency p50/p99 ms', 'loadgen cores'],
    rows.map((r) => [r.server, r.proto, r.n, r.connected, r.serverCores, r.cpuSecondsPerGB, r.userSecondsPerGB, `${(r.keepingUpShare * 100).toFixed(1)} %`, r.rssMb, `${r.joinKeyframeP50Ms} / ${r.joinKeyframeP95Ms}`, `${r.latencyP50Ms} / ${r.latencyP99Ms}`, r.loadgenCores]),
  ));
  const ns = [...new Set(rows.map((r) => r.n))];
  const others = [...new Set(rows.filter((r) => r.server !== 'cupola' && r.proto === 'rtmp').map((r) => r.server))];
  const rtspOthers = [...new Set(rows.filter((r) => r.server !== 'cupola' && r.proto === 'rtsp').map((r) => r.server))];
  console.log(table(
    ['N', ...others.map((p) => `Cupola/${p} RTMP CPU/GB`), ...rtspOthers.map((p) => `Cupola/${p} RTSP CPU/GB`), 'Cupola RTSP/RTMP CPU/GB', ...others.map((p) => `Cupola/${p} RSS`)],
    ns.map((n) => {
      const at = (server: string, proto: string): FanoutRow | undefined => rows.find((r) => r.n === n && r.server === server && r.proto === proto);
      const c = at('cupola', 'rtmp');
      const s = at('cupola', 'rtsp');
      return [
        n,
        ...others.map((p) => ratio(c?.cpuSecondsPerGB, at(p, 'rtmp')?.cpuSecondsPerGB)),
        ...rtspOthers.map((p) => ratio(s?.cpuSecondsPerGB, at(p, 'rtsp')?.cpuSecondsPerGB)),
        ratio(s?.cpuSecondsPerGB, c?.cpuSecondsPerGB),
        ...others.map((p) => ratio(c?.rssMb, at(p, 'rtmp')?.rssMb)),
      ];
    }),
  ));
}

export function printIngest(rows: IngestRow[]): void {
  console.log('\nIngest (M RTMP publishers at ~1.6 Mbit/s, no readers)');
  console.log(table(
    ['server', 'publisher', 'chunk', 'M', 'publishing', 'Mbit/s in', 'of file rate', 'Cupola API Mbit/s', 'cores', 'CPU % per 100 Mbit/s', 'RSS MB', 'publisher cores'],
    rows.map((r) => [r.server, r.publisher, r.chunkSize, r.m, r.publishing, r.ingestMbps, r.publisherRateShare, r.serverCountedMbps, r.serverCores, r.cpuPercentPer100Mbps, r.rssMb, r.publisherCores]),
  ));
  const steps = [...new Map(rows.map((r) => [`${r.m}|${r.publisher}|${r.publisher === 'ffmpeg' ? '' : r.chunkSize}`, r])).values()];
  const others = [...new Set(rows.filter((r) => r.server !== 'cupola').map((r) => r.server))];
  console.log(table(
    ['M', 'publisher', 'chunk', ...others.map((p) => `Cupola/${p} CPU per Mbit/s`), ...others.map((p) => `Cupola/${p} RSS`)],
    steps.map((s) => {
      const at = (server: string): IngestRow | undefined => rows.find((r) => r.m === s.m && r.publisher === s.publisher && r.server === server && (r.publisher === 'ffmpeg' || r.chunkSize === s.chunkSize));
      const c = at('cupola');
      return [s.m, s.publisher, s.publisher === 'ffmpeg' ? 'server\'s' : s.chunkSize, ...others.map((p) => ratio(c?.cpuPercentPer100Mbps, at(p)?.cpuPercentPer100Mbps)), ...others.map((p) => ratio(c?.rssMb, at(p)?.rssMb))];
    }),
  ));
}

export function printReplication(r: ReplicationResult): void {
  console.log('\nReplication hop (camera -> slave -> master)');
  if (r.error !== undefined) {
    console.log(`  not measured: ${r.error}`);
    return;
  }
  console.log(table(['via', 'proto', 'readers', 'latency p50 ms', 'latency p99 ms', 'samples', 'join kf p50 ms'], r.rows.map((x) => [x.via, x.proto, x.readers, x.latencyP50Ms, x.latencyP99Ms, x.samples, x.joinKeyframeP50Ms])));
}

export function printBrowser(r: BrowserResult): void {
  console.log(`\nBrowser playback (${r.camera.width}x${r.camera.height} ${r.camera.fps} fps ~${r.camera.videoKbps} kbit/s video, GOP ${r.camera.gopSeconds} s; headless Chromium ${r.chromium})`);
  if (r.skipped !== undefined) {
    console.log(`  not measured: ${r.skipped}`);
    return;
  }
  console.log(table(
    ['mode', 'pages', 'first picture median / p90 / max ms', 'from first WHEP/HLS request median / p90 ms', 'first picture behind camera median / max ms', 'failures'],
    r.firstFrame.map((f) => [f.mode, f.firstFrameMs.n, `${f.firstFrameMs.median} / ${f.firstFrameMs.p90} / ${f.firstFrameMs.max}`, `${f.fromPlayerRequestMs.median} / ${f.fromPlayerRequestMs.p90}`, `${f.firstFrameBehindMs.median} / ${f.firstFrameBehindMs.max}`, f.failures.length === 0 ? '0' : f.failures.join('; ')]),
  ));
  console.log(table(
    ['mode', 'seconds', 'frames', 'fps', 'latency median / p90 / max ms', 'undecoded'],
    r.latency.map((l) => [l.mode, l.seconds, l.frames, l.fps, `${l.latencyMs.median} / ${l.latencyMs.p90} / ${l.latencyMs.max}`, l.undecoded]),
  ));
  console.log(table(
    ['proto', 'viewers', 'connected', 'server cores', 'CPU s/GB', 'marginal mcores/viewer', 'Mbit/s per viewer', 'sent/viewer (WebRTC)', 'lost (RR)', 'keeping up', 'RSS MB', 'loadgen cores'],
    r.cpu.map((c) => [c.proto, c.viewers, c.connected, c.serverCores, c.cpuSecondsPerGB, c.marginalMilliCoresPerViewer, c.perViewerMbps, c.serverSentPerViewerMbps, c.reportedLostPackets, Number.isNaN(c.keepingUpShare) ? 'n/a' : `${(c.keepingUpShare * 100).toFixed(1)} %`, c.rssMb, c.loadgenCores]),
  ));
  console.log(`  clock offsets (Date.now() - timeOrigin - now): load generator ${r.clock.loadgenOffsetMs} ms, pages ${Math.min(...r.clock.pageOffsetMs)}..${Math.max(...r.clock.pageOffsetMs)} ms`);
}
