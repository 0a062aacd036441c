/**
 * The layering of the tree (docs/architecture.md, issue 11), checked over the import graph of every
 * .ts file under protocols/, src/ and workers/ (test/helpers/import-graph.ts: static imports and
 * re-exports, `import type`, dynamic `import()`, `import('…')` types, `new URL('…', import.meta.url)`).
 *
 * - protocols-pure: protocols/ imports only protocols/ and the Node modules that do no I/O —
 *   node:buffer, node:crypto (hashes, HMAC, timingSafeEqual: computation only) and
 *   node:string_decoder. Not node:net/dgram/tls/fs/http(s)/child_process/worker_threads/os/timers,
 *   not src/ or workers/, and no npm package at all (pure code needs none today; a new one is a
 *   decision to make here, in the open).
 * - protocols-globals: protocols/ does not read the clock or schedule work (setTimeout/setInterval/
 *   setImmediate and their clears, Date.now, `new Date()` without arguments, performance), nor touch
 *   `process`, `fetch` or `require`: time comes in as an argument, like bytes do.
 * - src-workers: src/ reaches workers/ only through workers/messages.ts (the message and option
 *   types both sides share, type or value imports alike) and by naming a worker entry
 *   (`*.worker.ts`) with `new URL(…, import.meta.url)`, which starts a thread and links nothing.
 * - workers-src: workers/ imports nothing from src/ (src/ reaches them through the message types).
 * - client-server: a client — src/rtmp/client, src/rtsp/client, src/replication, src/sources,
 *   src/api/client — never reaches a server (src/<area>/server/**, src/api/server.ts) through any
 *   chain of imports, direct or not.
 *
 * Today's violations are listed in ALLOWED below, each with its reason. The test fails on a violation
 * not listed and on a listed one that no longer happens, so the list only shrinks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseFile, readTree, type ParsedFile } from '../helpers/import-graph.ts';

// ---- ALLOWED: today's violations, one line each with its reason. Remove an entry when it is fixed. ----
const ALLOWED: readonly { readonly key: string; readonly reason: string }[] = [
  { key: 'src-workers: src/hooks/hook-process.ts -> workers/line-tail.ts', reason: 'hook stderr is tailed and redacted like ffmpeg stderr (LineTail, redactUrlCredentials)' },
  { key: 'src-workers: src/placeholder/placeholder-encoder.ts -> workers/container-parser.ts', reason: 'the placeholder ffmpeg output is parsed like the compressor output' },
  { key: 'src-workers: src/placeholder/placeholder-encoder.ts -> workers/watched-spawn.ts', reason: 'the placeholder ffmpeg runs under the same dies-with-parent watchdog' },
  { key: 'src-workers: src/snapshots/ffmpeg-grab.ts -> workers/watched-spawn.ts', reason: 'snapshot ffmpegs run under the same watchdog' },
  { key: 'src-workers: src/demo/camera-process.ts -> workers/watched-spawn.ts', reason: 'demo camera ffmpegs run under the same watchdog' },
  { key: 'workers-src: workers/messages.ts -> src/config/model.ts', reason: 'type only (erased at run time): CompressionProfile is owned by the config model (issue 11) and messages.ts re-exports it to the worker' },
];
// ---- end of ALLOWED ----

type Rule = 'protocols-pure' | 'protocols-globals' | 'src-workers' | 'workers-src' | 'client-server';

interface Violation {
  readonly rule: Rule;
  /** `rule: file -> target` (or `rule: file uses name`): what ALLOWED lists. */
  readonly key: string;
  /** Where, and for client-server the chain of imports. */
  readonly detail: string;
}

const PURE_NODE_MODULES = new Set(['node:buffer', 'node:crypto', 'node:string_decoder']);
const BUILTINS = new Set(builtinModules);
const CLIENT = /^src\/(rtmp\/client|rtsp\/client|replication|sources|api\/client)\//;
const isServer = (path: string): boolean => /^src\/[^/]+\/server\//.test(path) || path === 'src/api/server.ts';

/** `fs` and `fs/promises` are the same modules as `node:fs`…; packages stay as written. */
function normalizeBare(target: string): string {
  if (target.startsWith('node:')) return target;
  return BUILTINS.has(target) ? `node:${target}` : target;
}
const isLocal = (target: string): boolean => /^(protocols|src|workers|bench|test|bin|docs)(\/|$)/.test(target) || target === '.' || target.startsWith('..');

function checkLayering(files: readonly ParsedFile[]): Violation[] {
  const found = new Map<string, Violation>();
  const add = (rule: Rule, subject: string, detail: string): void => {
    const key = `${rule}: ${subject}`;
    if (!found.has(key)) found.set(key, { rule, key, detail });
  };

  for (const file of files) {
    for (const e of file.edges) {
      const at = `${e.from}:${e.line} ${e.kind} '${e.specifier}'`;
      if (file.path.startsWith('protocols/')) {
        if (isLocal(e.target)) {
          if (!e.target.startsWith('protocols/')) add('protocols-pure', `${e.from} -> ${e.target}`, at);
        } else {
          const mod = normalizeBare(e.target);
          if (!PURE_NODE_MODULES.has(mod)) add('protocols-pure', `${e.from} -> ${mod}`, at);
        }
      } else if (file.path.startsWith('src/')) {
        if (e.target.startsWith('workers/')) {
          const entry = e.kind === 'file URL' && e.target.endsWith('.worker.ts');
          if (e.target !== 'workers/messages.ts' && !entry) add('src-workers', `${e.from} -> ${e.target}`, at);
        }
      } else if (file.path.startsWith('workers/')) {
        if (e.target.startsWith('src/')) add('workers-src', `${e.from} -> ${e.target}`, at);
      }
    }
    if (file.path.startsWith('protocols/')) {
      for (const g of file.globals) add('protocols-globals', `${g.file} uses ${g.name}`, `${g.file}:${g.line}`);
    }
  }

  // client-server: breadth-first over src/ imports from each client file, keeping the first chain.
  const next = new Map(files.map((f) => [f.path, f.edges.map((e) => e.target).filter((t) => t.startsWith('src/'))]));
  for (const file of files) {
    if (!CLIENT.test(file.path)) continue;
    const via = new Map<string, string | undefined>([[file.path, undefined]]);
    const queue = [file.path];
    for (let i = 0; i < queue.length; i++) {
      for (const target of next.get(queue[i]!) ?? []) {
        if (via.has(target)) continue;
        via.set(target, queue[i]);
        queue.push(target);
      }
    }
    for (const reached of via.keys()) {
      if (!isServer(reached)) continue;
      const chain = [reached];
      for (let p = via.get(reached); p !== undefined; p = via.get(p)) chain.unshift(p);
      add('client-server', `${file.path} -> ${reached}`, chain.join(' -> '));
    }
  }
  return [...found.values()].sort((a, b) => a.key.localeCompare(b.key));
}

const root = fileURLToPath(new URL('../../', import.meta.url));

test('layering: every violation is allow-listed with a reason, and every allow-listed one still happens', () => {
  const files = readTree(root, ['protocols', 'src', 'workers']);
  assert.ok(files.length > 200, `the tree was read (${files.length} files)`);
  assert.ok(files.some((f) => f.path === 'src/compression/compression-manager.ts' && f.edges.some((e) => e.kind === 'file URL')), 'worker entry URLs are seen');
  const violations = checkLayering(files);
  const allowed = new Set(ALLOWED.map((a) => a.key));
  assert.equal(allowed.size, ALLOWED.length, 'ALLOWED has no duplicates');
  for (const a of ALLOWED) assert.ok(a.reason.length > 10, `${a.key} has a reason`);
  const unlisted = violations.filter((v) => !allowed.has(v.key)).map((v) => `${v.key}   (${v.detail})`);
  assert.deepEqual(unlisted, [], 'layering violations (fix them, or list them in ALLOWED with a reason)');
  const present = new Set(violations.map((v) => v.key));
  const stale = ALLOWED.filter((a) => !present.has(a.key)).map((a) => a.key);
  assert.deepEqual(stale, [], 'ALLOWED entries that no longer violate: remove them from the list');
});

test('layering: the checker reports each kind of violation in a synthetic tree (it cannot pass vacuously)', () => {
  const synthetic = [
    parseFile(
      'protocols/x/bad.ts',
      [
        "import { connect } from 'node:net';",
        "import { readFile } from 'fs';",
        "import type { Logger } from '../../src/log/logger.ts';",
        "export { Backoff } from '../../workers/backoff.ts';",
        "import { Buffer } from 'node:buffer';",
        "import { createHash } from 'node:crypto';",
        "import { ok } from './ok.ts';",
        "const late = () => import('node:timers');",
        "import mongodb from 'mongodb';",
        '// import { x } from "node:fs"; a comment is not an import',
        "const s = \"import { y } from 'node:http'\";",
        'export function f(now: number) { setTimeout(() => {}, 1); return Date.now() + now + process.pid + new Date().getTime(); }',
        'export function g(process: number) { return process + new Date(0).getTime(); }',
      ].join('\n'),
    ),
    parseFile('protocols/x/ok.ts', 'export const ok = 1;'),
    parseFile(
      'src/a/uses-worker.ts',
      [
        "import { Backoff } from '../../workers/backoff.ts';",
        "import type { CompressionProfile } from '../../workers/messages.ts';",
        "const entry = new URL('../../workers/compressor.worker.ts', import.meta.url);",
        "const notEntry = new URL('../../workers/supervisor.ts', import.meta.url);",
      ].join('\n'),
    ),
    parseFile('workers/w.ts', "import type { Stream } from '../src/streams/stream.ts';"),
    parseFile('src/rtsp/client/c.ts', "import { helper } from '../../streams/helper.ts';"),
    parseFile('src/streams/helper.ts', "import type { RtspListener } from '../rtsp/server/rtsp-listener.ts';\nexport const helper = 1;"),
    parseFile('src/rtsp/server/rtsp-listener.ts', 'export class RtspListener {}'),
    parseFile('src/rtmp/client/fine.ts', "import { helper } from '../../rtsp/output/out.ts';"),
    parseFile('src/rtsp/output/out.ts', 'export const out = 1;'),
  ];
  const keys = checkLayering(synthetic).map((v) => v.key);
  assert.deepEqual(keys, [
    'client-server: src/rtsp/client/c.ts -> src/rtsp/server/rtsp-listener.ts',
    'protocols-globals: protocols/x/bad.ts uses Date.now',
    'protocols-globals: protocols/x/bad.ts uses new Date()',
    'protocols-globals: protocols/x/bad.ts uses process',
    'protocols-globals: protocols/x/bad.ts uses setTimeout',
    'protocols-pure: protocols/x/bad.ts -> mongodb',
    'protocols-pure: protocols/x/bad.ts -> node:fs',
    'protocols-pure: protocols/x/bad.ts -> node:net',
    'protocols-pure: protocols/x/bad.ts -> node:timers',
    'protocols-pure: protocols/x/bad.ts -> src/log/logger.ts',
    'protocols-pure: protocols/x/bad.ts -> workers/backoff.ts',
    'src-workers: src/a/uses-worker.ts -> workers/backoff.ts',
    'src-workers: src/a/uses-worker.ts -> workers/supervisor.ts',
    'workers-src: workers/w.ts -> src/streams/stream.ts',
  ]);
  const chain = checkLayering(synthetic).find((v) => v.rule === 'client-server')?.detail;
  assert.equal(chain, 'src/rtsp/client/c.ts -> src/streams/helper.ts -> src/rtsp/server/rtsp-listener.ts', 'the indirect chain is named');
});
