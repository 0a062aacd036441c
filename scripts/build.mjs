#!/usr/bin/env node
/**
 * Builds what users run: the CLI (which is also the server) and the compressor worker thread, each
 * bundled by esbuild into one ESM file for Node 20 at its place under dist/ (dist/src/cli/main.js,
 * dist/workers/compressor.worker.js), the code they share and what is loaded lazily (the MongoDB
 * store) in dist/chunks/, and the dashboard's static files copied beside them. Packages
 * (node_modules) stay external except the small pure-JS ones in `BUNDLED_PACKAGES`. Run by `npm install`/`npm ci` (the `prepare` script), and
 * before `npm start`, `npm run demo` and `npm test`; `bin/cupola.js` runs it when dist/ is missing.
 *
 * Why bundles: Node's ESM loader resolving ~320 modules one by one at start-up is itself enough
 * work to wake V8's optimizing compiler, and every module record stays in the heap; a few files
 * start with less memory (docs/benchmarks.md, "One bundle per entry"). Every path a module finds
 * relative to its own `import.meta.url` (the dashboard directory, the compressor worker's entry,
 * the CLI the demo spawns) still points at the same place in dist/ as in the sources, with `.js`
 * for `.ts` (src/source-url.ts): see `treeUrls` below.
 *
 * Usage: node scripts/build.mjs [--quiet] [--if-stale]   (--if-stale: nothing to do when dist/ is
 * newer than every source)
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(REPO_ROOT, 'dist');
/** Written last: its presence means the build finished. */
export const BUILD_STAMP = join(DIST, '.build-stamp');
/** The source trees that run in production (bench/ and test/ stay TypeScript, run under tsx). */
export const SOURCE_DIRS = ['src', 'workers', 'protocols'];
/** Non-TypeScript files read at run time by path, copied to the same place under dist/. */
const STATIC_DIRS = ['src/dashboard'];

/** Every file under `root` (absolute paths). */
function filesUnder(root) {
  if (!existsSync(root)) return [];
  const out = [];
  for (const e of readdirSync(root, { withFileTypes: true })) {
    const p = join(root, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

const isEntry = (f) => f.endsWith('.ts') && !f.endsWith('.d.ts');

/**
 * Whether dist/ is complete and newer than every source it is built from (and this script). A
 * check of modification times only, a few milliseconds.
 */
export function distIsFresh() {
  let built;
  try {
    built = statSync(BUILD_STAMP).mtimeMs;
  } catch {
    return false;
  }
  const sources = [fileURLToPath(import.meta.url), ...[...SOURCE_DIRS, ...STATIC_DIRS].flatMap((d) => filesUnder(join(REPO_ROOT, d)))];
  return sources.every((f) => statSync(f).mtimeMs <= built);
}

/**
 * Writes `contents` to `file` unless it already holds exactly that, through a temporary file and a
 * rename: a process running from dist/ while it is rebuilt (a server, a test, a second build) sees
 * each file either old or new, never half-written.
 */
function writeIfChanged(file, contents) {
  try {
    if (readFileSync(file).equals(contents)) return;
  } catch {
    // missing: write it
  }
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, file);
}

/**
 * The bundles' entries: what runs (the CLI, which is also the server, and the compressor worker
 * thread). Paths as in the sources; each lands at the same place under dist/ as `.js`.
 */
export const ENTRIES = ['src/cli/main.ts', 'workers/compressor.worker.ts'];

/**
 * Packages bundled into dist/ rather than left to Node: plain CommonJS the server loads at every
 * start (the CLI parser, the metrics client and its dependencies). Resolving and wrapping each of
 * their ~35 modules through Node's CommonJS loader is start-up work that alone wakes V8's
 * optimizing compiler (`--trace-opt`: path.normalize's loop). Every other package stays external:
 * native addons (uWebSockets.js), what is loaded only when used (mongodb, werift), what is looked
 * up by path (ffmpeg, hls.js).
 */
export const BUNDLED_PACKAGES = ['commander', 'prom-client', 'tdigest', 'bintrees'];

const packageName = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

/** Bare imports: bundled for `BUNDLED_PACKAGES`, external (imported at run time) for the rest. */
const packagesOutside = {
  name: 'packages-outside',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.kind === 'entry-point' || args.path.startsWith('node:')) return undefined;
      if (BUNDLED_PACKAGES.includes(packageName(args.path))) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/** Stands for the path from an output file to dist/ until the output file is known. */
const DIST_PLACEHOLDER = '__cupola_dist_root__/';

/**
 * Each module's `import.meta.url` is replaced by the URL the module would have in the unbundled
 * tree (dist/src/node.js for src/node.ts), made from the URL of the bundle file it lands in, so
 * every path found relative to a module (the dashboard directory, the worker's entry, the CLI the
 * demo spawns, a package resolved by `createRequire`) stays where it is in the sources. The path
 * from an output file up to dist/ is only known once esbuild has placed the module (an entry or a
 * shared chunk), so a placeholder stands for it here and `relocate` fills it in.
 */
const treeUrls = {
  name: 'tree-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const rel = relative(REPO_ROOT, args.path);
      if (rel.startsWith('..') || !SOURCE_DIRS.some((d) => rel.startsWith(`${d}/`))) return undefined;
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return { contents: source, loader: 'ts' };
      const treeUrl = `new URL(${JSON.stringify(DIST_PLACEHOLDER + rel.replace(/\.ts$/, '.js'))}, import.meta.url).href`;
      return { contents: source.replace(/\bimport\.meta\.url\b/g, treeUrl), loader: 'ts' };
    });
  },
};

/** The placeholder of `treeUrls` in one output file, replaced by the path from it up to dist/. */
function relocate(outPath, contents) {
  const text = Buffer.from(contents).toString('utf8');
  if (!text.includes(DIST_PLACEHOLDER)) return Buffer.from(contents);
  const up = relative(dirname(outPath), DIST) || '.';
  return Buffer.from(text.split(DIST_PLACEHOLDER).join(`${up}/`));
}

export async function buildDist({ quiet = false } = {}) {
  const started = Date.now();
  if (!existsSync(join(REPO_ROOT, 'src/cli/main.ts'))) {
    // `npm ci` in a Docker layer that has package.json but not the sources yet (docs/deploy/Dockerfile).
    if (!quiet) console.error('build: no sources here yet (src/cli/main.ts missing); nothing to build');
    return;
  }
  // Loaded here, not at the top: bin/cupola.js imports this file on every start and only builds
  // when dist/ is stale, so a running server does not hold esbuild.
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: ENTRIES,
    outdir: DIST,
    outbase: '.',
    bundle: true,
    // Code shared by the entries, and what a dynamic import() loads (the MongoDB store and its
    // driver), goes into chunks: each loaded once, and only when used.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    plugins: [packagesOutside, treeUrls],
    // Bundled CommonJS calls `require` for Node's built-in modules: give the ESM bundle one.
    banner: { js: "import { createRequire as __cupolaCreateRequire } from 'node:module'; const require = __cupolaCreateRequire(import.meta.url);" },
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
    write: false,
  });
  const wanted = new Set([BUILD_STAMP]);
  for (const out of result.outputFiles) {
    writeIfChanged(out.path, out.path.endsWith('.js') ? relocate(out.path, out.contents) : Buffer.from(out.contents));
    wanted.add(out.path);
  }
  for (const dir of STATIC_DIRS) {
    for (const from of filesUnder(join(REPO_ROOT, dir)).filter((f) => !isEntry(f))) {
      const to = join(DIST, relative(REPO_ROOT, from));
      writeIfChanged(to, readFileSync(from));
      wanted.add(to);
    }
  }
  // Outputs of an earlier build no longer made (a temporary file of a concurrent build is its own).
  for (const f of filesUnder(DIST)) if (!wanted.has(f) && !f.endsWith('.tmp')) rmSync(f, { force: true });
  writeFileSync(BUILD_STAMP, `${new Date().toISOString()}\n`);
  const modules = Object.keys(result.metafile.inputs).filter((f) => !f.startsWith('node_modules/')).length;
  const chunks = result.outputFiles.filter((o) => o.path.endsWith('.js')).length;
  if (!quiet) console.error(`build: ${modules} modules -> ${chunks} files in ${relative(process.cwd(), DIST) || '.'}/ in ${Date.now() - started} ms`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (!process.argv.includes('--if-stale') || !distIsFresh()) await buildDist({ quiet: process.argv.includes('--quiet') });
}
