#!/usr/bin/env node
/**
 * Builds what users run: every TypeScript module under src/, workers/ and protocols/ becomes one
 * JavaScript module at the same place under dist/ (dist/src/cli/main.js, dist/workers/
 * compressor.worker.js, ...), ESM for Node 20, and the dashboard's static files are copied beside
 * them. Run by `npm install`/`npm ci` (the `prepare` script), and before `npm start`, `npm run
 * demo` and `npm test`; `bin/cupola.js` runs it when dist/ is missing.
 *
 * Why one output per source file rather than one bundle: the tree keeps its shape, so every path a
 * module finds relative to its own `import.meta.url` (the dashboard directory, the compressor
 * worker's entry, the CLI the demo spawns) points at the same place in dist/ as in the sources;
 * only the extension changes (src/source-url.ts). Relative imports are rewritten from `.ts` to
 * `.js` and left to Node to load; packages (node_modules) are never bundled.
 *
 * Usage: node scripts/build.mjs [--quiet] [--if-stale]   (--if-stale: nothing to do when dist/ is
 * newer than every source)
 */
import { build } from 'esbuild';
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

/** Relative imports stay imports (of the built `.js` sibling); nothing is inlined. */
const keepRelativeImports = {
  name: 'keep-relative-imports',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      return { path: args.path.replace(/\.ts$/, '.js'), external: true };
    });
  },
};

export async function buildDist({ quiet = false } = {}) {
  const started = Date.now();
  if (!existsSync(join(REPO_ROOT, 'src/cli/main.ts'))) {
    // `npm ci` in a Docker layer that has package.json but not the sources yet (docs/deploy/Dockerfile).
    if (!quiet) console.error('build: no sources here yet (src/cli/main.ts missing); nothing to build');
    return;
  }
  const entryPoints = SOURCE_DIRS.flatMap((d) => filesUnder(join(REPO_ROOT, d))).filter(isEntry).map((f) => relative(REPO_ROOT, f));
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints,
    outdir: DIST,
    outbase: '.',
    bundle: true, // with every import external (below): one output per entry, imports rewritten
    packages: 'external',
    plugins: [keepRelativeImports],
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
    write: false,
  });
  const wanted = new Set([BUILD_STAMP]);
  for (const out of result.outputFiles) {
    writeIfChanged(out.path, Buffer.from(out.contents));
    wanted.add(out.path);
  }
  for (const dir of STATIC_DIRS) {
    for (const from of filesUnder(join(REPO_ROOT, dir)).filter((f) => !isEntry(f))) {
      const to = join(DIST, relative(REPO_ROOT, from));
      writeIfChanged(to, readFileSync(from));
      wanted.add(to);
    }
  }
  // Outputs of sources since removed or renamed (a temporary file of a concurrent build is its own).
  for (const f of filesUnder(DIST)) if (!wanted.has(f) && !f.endsWith('.tmp')) rmSync(f, { force: true });
  writeFileSync(BUILD_STAMP, `${new Date().toISOString()}\n`);
  if (!quiet) console.error(`build: ${entryPoints.length} modules -> ${relative(process.cwd(), DIST) || '.'}/ in ${Date.now() - started} ms`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (!process.argv.includes('--if-stale') || !distIsFresh()) await buildDist({ quiet: process.argv.includes('--quiet') });
}
