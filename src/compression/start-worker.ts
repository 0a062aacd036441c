/**
 * Starts a worker thread from its entry module: built JavaScript (dist/, what users run) directly,
 * a TypeScript source (development and unit tests) under tsx.
 *
 * Why a TypeScript entry is not simply `new Worker(url)`: on Node 20 a worker inherits
 * `--import tsx` in its execArgv, yet its entry module is resolved before tsx's hooks are active
 * and fails with ERR_UNKNOWN_FILE_EXTENSION (checked on Node 20.20; passing execArgv explicitly
 * makes no difference). So such a worker runs a two-line ESM bootstrap that registers tsx through
 * its API (`tsx/esm/api`, resolved here to an absolute URL so it works from any cwd) and then
 * imports the entry.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function startWorker(entry: URL, options: WorkerOptions = {}): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap =
    `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}
