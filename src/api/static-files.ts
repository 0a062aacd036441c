/**
 * The hook for the dashboard: serves files from one directory at /, never outside it.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';

export interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
}

/** Looks a URL path up; null when there is no such file. */
export type StaticFiles = (urlPath: string) => Promise<StaticFile | null>;

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** Largest file served (the dashboard is small; this keeps a stray big file from being buffered). */
export const MAX_STATIC_FILE_BYTES = 16 * 1024 * 1024;

export function staticDirectory(dir: string): StaticFiles {
  const root = resolve(dir);
  return async (urlPath) => {
    let rel: string;
    try {
      rel = decodeURIComponent(urlPath.split('?')[0]!);
    } catch {
      return null;
    }
    if (rel.includes('\0')) return null;
    if (rel.endsWith('/')) rel += 'index.html';
    const file = resolve(join(root, rel));
    if (file !== root && !file.startsWith(root + sep)) return null; // ../ escapes
    try {
      const st = await stat(file);
      if (!st.isFile() || st.size > MAX_STATIC_FILE_BYTES) return null;
      return { body: await readFile(file), contentType: TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream' };
    } catch {
      // Missing or unreadable file: the caller answers 404.
      return null;
    }
  };
}

/** Single files at fixed URL paths (vendored browser libraries from node_modules, e.g. hls.js). */
export function staticFileMap(files: Readonly<Record<string, string>>): StaticFiles {
  return async (urlPath) => {
    const file = files[urlPath.split('?')[0]!];
    if (file === undefined) return null;
    try {
      return { body: await readFile(file), contentType: TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream' };
    } catch {
      return null;
    }
  };
}

/** The first of several lookups that has the file. */
export function firstOf(...lookups: readonly StaticFiles[]): StaticFiles {
  return async (urlPath) => {
    for (const l of lookups) {
      const f = await l(urlPath);
      if (f !== null) return f;
    }
    return null;
  };
}
