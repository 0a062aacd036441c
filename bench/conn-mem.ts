/**
 * Memory per connection: variants of the built `cupola serve` (slave, --no-compress, the bench's
 * settings) side by side in one run, each with its own publisher (the fan-out stream); for each
 * protocol and N, N readers of one camera on each variant in turn, 2 s to settle, then over
 * `--seconds` the server's CPU seconds per GB delivered, the share of readers keeping up (>= 95 %
 * of the publisher's bytes), RSS sampled every second (min / median / last), the anonymous / file-backed RSS and the V8 heap and
 * external memory the server reports on /metrics.
 * `--publishers 100` adds ingest steps: M more publishers (the ingest camera, 20 ms apart) on each
 * variant in turn, no readers, the same RSS and heap figures over the window.
 * `--snapshot DIR` also writes a heap snapshot of each variant at each step (node
 * --heapsnapshot-signal, the file lands in DIR).
 *
 *   node --import tsx bench/conn-mem.ts [--n 200,1200] [--protos rtmp,rtsp] [--seconds 10]
 *        [--variants built,bare,base,flags] [--base-root DIR] [--flags "..."] [--snapshot DIR]
 *   built: this checkout with its launchers' node flags (package.json `start`); bare: the same without
 *   node flags; base: another checkout's dist/ with its launcher flags; flags: with --flags instead.
 *
 * Every process it starts is killed by PID at the end, on error and on SIGINT/SIGTERM.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { LoadGen } from './lib/loadgen-client.ts';
import { CAMERA_720P, CAMERA_INGEST, ensureFlv } from './lib/media.ts';
import { cpuSeconds, rssMb, runMain, startCupola, type ServerProc } from './lib/servers.ts';

const opts = new Command()
  .option('--n <list>', 'readers per step', '200,1200')
  .option('--protos <list>', 'rtmp, rtsp', 'rtmp,rtsp')
  .option('--seconds <s>', 'RSS sampling window per step', '10')
  .option('--variants <list>', 'built (with its launcher flags), bare (built, no node flags), base (needs --base-root), flags (built with --flags instead)', 'built')
  .option('--base-root <dir>', 'another checkout (with node_modules and a built dist/) for the variant base')
  .option('--flags <flags>', 'node flags for the variant flags (instead of the launcher flags)')
  .option('--publishers <list>', 'ingest steps: M publishers of the ingest camera, no readers (none by default)', '')
  .option('--snapshot <dir>', 'write a heap snapshot of each variant at each step into DIR')
  .option('--smaps', "print the server's RSS by mapping (from /proc/PID/smaps) at each step")
  .parse()
  .opts<{ n: string; protos: string; seconds: string; variants: string; baseRoot?: string; flags?: string; publishers: string; snapshot?: string; smaps?: boolean }>();
const counts = opts.n.split(',').map(Number);
const protos = opts.protos.split(',').filter((p) => p !== '') as ('rtmp' | 'rtsp')[];
const publisherCounts = opts.publishers.split(',').filter((m) => m !== '').map(Number);
const seconds = Number(opts.seconds);
const variants = opts.variants.split(',').filter((v) => v !== '');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const log = (s: string): void => console.error(s);

function start(variant: string): Promise<ServerProc> {
  const snap = opts.snapshot === undefined ? [] : ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${resolve(opts.snapshot)}`];
  // Each runs with its checkout's launcher flags (package.json `start`) unless the variant says otherwise.
  const common = { name: `cupola-${variant}`, extraNodeFlags: snap };
  switch (variant) {
    case 'built':
      return startCupola(common);
    case 'base':
      if (opts.baseRoot === undefined) throw new Error('variant base needs --base-root DIR');
      return startCupola({ ...common, root: resolve(opts.baseRoot) });
    case 'bare':
      return startCupola({ ...common, nodeFlags: [] });
    case 'flags':
      if (opts.flags === undefined) throw new Error('variant flags needs --flags "..."');
      return startCupola({ ...common, nodeFlags: opts.flags.split(' ').filter((f) => f !== '') });
    default:
      throw new Error(`unknown variant ${variant}`);
  }
}

function rssParts(pid: number): { anon: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN) / 1024;
  return { anon: kb('RssAnon'), file: kb('RssFile') };
}

/**
 * The server's RSS by mapping, largest first (>= 0.5 MB): files by name, anonymous mappings by kind
 * (V8 allocates its heap in 256 KiB pages; [heap] is malloc's main arena).
 */
function rssByMapping(pid: number): string {
  const groups = new Map<string, { maps: number; size: number; rss: number }>();
  let cur: { maps: number; size: number; rss: number } | undefined;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head !== null) {
      const size = (parseInt(head[2]!, 16) - parseInt(head[1]!, 16)) / 1048576;
      const name = head[4] !== '' ? head[4]! : size === 0.25 ? '[anon 256 KiB pages: V8 heap]' : '[anon, other]';
      cur = groups.get(name) ?? { maps: 0, size: 0, rss: 0 };
      groups.set(name, cur);
      cur.maps++;
      cur.size += size;
    } else if (cur !== undefined && line.startsWith('Rss:')) cur.rss += Number(/(\d+)/.exec(line)![1]) / 1024;
  }
  return [...groups]
    .filter(([, g]) => g.rss >= 0.5)
    .sort((a, b) => b[1].rss - a[1].rss)
    .map(([name, g]) => `    ${g.rss.toFixed(1).padStart(6)} MB in ${String(g.maps).padStart(3)} mappings of ${g.size.toFixed(1).padStart(7)} MB  ${name}`)
    .join('\n');
}

/** V8 heap total / used and external (ArrayBuffer) memory in MB, from the server's /metrics. */
async function heapMb(srv: ServerProc): Promise<string> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${srv.ports['api']}/metrics`)).text();
    const mb = (name: string): string => (Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN) / 1048576).toFixed(1);
    const space = (sp: string): string => (Number(new RegExp(`^nodejs_heap_space_size_total_bytes\\{space="${sp}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN) / 1048576).toFixed(1);
    return `heap total ${mb('nodejs_heap_size_total_bytes')} (new ${space('new')} old ${space('old')}) used ${mb('nodejs_heap_size_used_bytes')} external ${mb('nodejs_external_memory_bytes')} (GOP caches ${mb('cupola_gop_cache_bytes')})`;
  } catch {
    return 'heap: /metrics not reachable';
  }
}

async function main(): Promise<void> {
  if (opts.snapshot !== undefined) mkdirSync(opts.snapshot, { recursive: true });
  const file = await ensureFlv(CAMERA_720P, log);
  const servers = await Promise.all(variants.map(start));
  const gen = new LoadGen();
  const path = 'site1/cam1';
  try {
    for (const srv of servers) await gen.send({ cmd: 'publish', id: `pub-${srv.name}`, url: `rtmp://127.0.0.1:${srv.ports['rtmp']}/${path}`, file, stamp: false });
    const ready = await gen.send<{ publishing: number; total: number }>({ cmd: 'publishers-ready', prefix: 'pub-', timeoutMs: 10_000 });
    if (ready.publishing !== ready.total) throw new Error(`publishers not publishing: ${JSON.stringify(ready)}`);
    await sleep(2500);
    for (const srv of servers) {
      const p = rssParts(srv.pid);
      console.log(`${srv.name.padEnd(13)} publisher only: RSS ${rssMb(srv.pid).toFixed(1)} MB (anon ${p.anon.toFixed(1)} file ${p.file.toFixed(1)}) ${await heapMb(srv)}`);
      if (opts.smaps === true) console.log(rssByMapping(srv.pid));
    }
    for (const proto of protos) {
      for (const n of counts) {
        for (const srv of servers) {
          const url = proto === 'rtmp' ? `rtmp://127.0.0.1:${srv.ports['rtmp']}/${path}` : `rtsp://127.0.0.1:${srv.ports['rtsp']}/${path}`;
          const opened = await gen.send<{ ok: number; total: number }>({ cmd: 'readers', proto, url, n, probes: 0, timeoutMs: 20_000 }, 120_000);
          await sleep(2000); // settle
          await gen.send({ cmd: 'mark' });
          const cpu0 = cpuSeconds(srv.pid);
          const v: number[] = [];
          for (let s = 0; s < seconds; s++) {
            await sleep(1000);
            v.push(rssMb(srv.pid));
          }
          const cpu = cpuSeconds(srv.pid) - cpu0;
          const r = await gen.send<{ delivered: number; keepingUp: number; readers: number }>({ cmd: 'report', publisherId: `pub-${srv.name}` });
          const p = rssParts(srv.pid);
          const heap = await heapMb(srv);
          if (opts.smaps === true) console.log(rssByMapping(srv.pid));
          console.log(`${srv.name.padEnd(13)} ${proto} N=${n} (${opened.ok} connected, ${((100 * r.keepingUp) / Math.max(1, r.readers)).toFixed(0)} % keeping up, CPU ${(cpu / (r.delivered / 1e9)).toFixed(2)} s/GB): RSS min ${Math.min(...v).toFixed(1)} median ${median(v).toFixed(1)} last ${v.at(-1)!.toFixed(1)} (anon ${p.anon.toFixed(1)} file ${p.file.toFixed(1)}) ${heap}`);
          if (opts.snapshot !== undefined) {
            srv.proc.kill('SIGUSR2');
            await sleep(8000);
          }
          await gen.send({ cmd: 'closeReaders' });
          await sleep(2000);
        }
      }
    }
    for (const m of publisherCounts) {
      const ingestFile = await ensureFlv(CAMERA_INGEST, log);
      for (const srv of servers) {
        const prefix = `ing-${srv.name}-`;
        for (let i = 0; i < m; i++) {
          await gen.send({ cmd: 'publish', id: `${prefix}${i}`, url: `rtmp://127.0.0.1:${srv.ports['rtmp']}/site2/cam${i + 1}`, file: ingestFile, stamp: false, chunkSize: 4096 });
          await sleep(20);
        }
        const ready = await gen.send<{ publishing: number; total: number }>({ cmd: 'publishers-ready', prefix, timeoutMs: 15_000 });
        await sleep(3000); // settle: every GOP cache filled
        const v: number[] = [];
        for (let s = 0; s < seconds; s++) {
          await sleep(1000);
          v.push(rssMb(srv.pid));
        }
        const p = rssParts(srv.pid);
        console.log(`${srv.name.padEnd(13)} ingest M=${m} (${ready.publishing}/${ready.total} publishing): RSS min ${Math.min(...v).toFixed(1)} median ${median(v).toFixed(1)} last ${v.at(-1)!.toFixed(1)} (anon ${p.anon.toFixed(1)} file ${p.file.toFixed(1)}) ${await heapMb(srv)}`);
        if (opts.smaps === true) console.log(rssByMapping(srv.pid));
        if (opts.snapshot !== undefined) {
          srv.proc.kill('SIGUSR2');
          await sleep(8000);
        }
        await gen.send({ cmd: 'closePublishers', prefix });
        await sleep(2000);
      }
    }
  } finally {
    await gen.exit();
    for (const s of servers) await s.stop();
  }
}

runMain(main);
