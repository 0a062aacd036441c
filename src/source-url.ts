/**
 * Paths to other modules of Cupola, found from a module's own `import.meta.url`, that work both
 * from the TypeScript sources (run under tsx: development, unit tests) and from the built tree
 * (dist/, made by scripts/build.mjs: bundles, in which each module's `import.meta.url` is still its
 * place in the sources' layout with `.js` for `.ts`): what users run.
 */

/** The module at `relativeTsPath` (written as in the sources, `.ts`) seen from `base` (an `import.meta.url`). */
export function moduleUrl(relativeTsPath: string, base: string): URL {
  const built = new URL(base).pathname.endsWith('.js');
  return new URL(built ? relativeTsPath.replace(/\.ts$/, '.js') : relativeTsPath, base);
}

/** The Node flags an entry needs: tsx's loader for a `.ts` source, none for built JavaScript. */
export function loaderArgs(entryPath: string): string[] {
  return entryPath.endsWith('.ts') ? ['--import', 'tsx'] : [];
}

/** The repository root (this file is src/source-url.ts, or dist/src/source-url.js once built). */
export const REPO_ROOT_URL = new URL(import.meta.url.endsWith('.js') ? '../../' : '../', import.meta.url);
