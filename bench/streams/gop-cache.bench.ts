/**
 * The stream GOP cache's cost per pushed frame: M caches (M cameras) fed 25 fps video (a 60 kB
 * keyframe every 50 frames, 7 kB P-frames) and 300-byte audio at the same rate, their GOPs in step
 * (every camera starts together, the ingest bench's case) and then staggered. Prints microseconds
 * per push (wall and user CPU) and the RSS. No assertions.
 *
 * Run: node --import tsx bench/streams/gop-cache.bench.ts [--seconds 2] [--m 100]
 */
import { FRAME_GOP, GopCache } from '../../src/streams/gop-cache.ts';
import type { Frame } from '../../protocols/media/frame.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const seconds = arg('seconds', 2);
const m = arg('m', 100);
const GOP_FRAMES = 50;
const key = Buffer.alloc(60_000, 1);
const pFrame = Buffer.alloc(7_000, 2);
const audio = Buffer.alloc(300, 3);

function run(staggered: boolean): string {
  const caches = Array.from({ length: m }, () => new GopCache<Frame>(FRAME_GOP, { maxItems: 1500, maxBytes: 16 << 20 }));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let pushes = 0;
  // Bounded by time and by a frame count.
  for (let f = 0; f < 1_000_000 && performance.now() - t0 < seconds * 1000; f++) {
    for (let s = 0; s < m; s++) {
      const i = staggered ? f + s * 7 : f;
      const isKey = i % GOP_FRAMES === 0;
      caches[s]!.push({ track: 'video', dts: f * 40, pts: f * 40, keyframe: isKey, payload: isKey ? key : pFrame });
      caches[s]!.push({ track: 'audio', dts: f * 40, pts: f * 40, keyframe: true, payload: audio });
      pushes += 2;
    }
  }
  const wallUs = (performance.now() - t0) * 1000;
  const cpu = process.cpuUsage(cpu0);
  return `gop-cache ${staggered ? 'staggered' : 'in step'} M=${m}: ${pushes} pushes, ${(wallUs / pushes).toFixed(2)} us/push wall, ${(cpu.user / pushes).toFixed(2)} us user, ${(cpu.system / pushes).toFixed(2)} us sys; RSS ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`;
}

console.log(run(false));
console.log(run(true));
