#!/usr/bin/env -S node --max-semi-space-size=2
// Entry for the `cupola` bin: runs the built JavaScript (dist/, made by `npm install` through the
// `prepare` script, or by `npm run build`). When dist/ is missing, or older than the sources (a
// checkout updated without `npm install`), it is built first; a stale dist/ that cannot be
// rebuilt (read-only install) is run as it is, with a warning. The shebang carries the node flags
// of every launcher (src/cli/node-flags.ts).
import { existsSync } from 'node:fs';
import { BUILD_STAMP, buildDist, distIsFresh } from '../scripts/build.mjs';

if (!distIsFresh()) {
  try {
    await buildDist({ quiet: true });
  } catch (err) {
    if (!existsSync(BUILD_STAMP)) throw err;
    console.error(`cupola: dist/ is older than the sources and could not be rebuilt (${err instanceof Error ? err.message : String(err)}); running it as it is`);
  }
}
await import('../dist/src/cli/main.js');
