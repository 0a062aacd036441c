/**
 * Keeps what the fuzzers find: with CUPOLA_FUZZ_SAVE=1 (e.g. `CUPOLA_FUZZ_SAVE=1 npm run test:fuzz`)
 * an input that breaks an invariant is written to test/fuzz/corpus/<target>/crash-<sha1>.bin, where
 * corpus.test.ts runs it as a named case from then on. Commit the file with the fix (rename it to
 * say what it is, e.g. `fu-a-length-overflow.bin`).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CORPUS = fileURLToPath(new URL('./corpus/', import.meta.url));

export const SAVE_CRASHERS = process.env['CUPOLA_FUZZ_SAVE'] === '1';

/** Saves `input` under the target's corpus when CUPOLA_FUZZ_SAVE=1; returns a note for the failure message. */
export function saveCrasher(target: string, input: Buffer): string {
  if (!SAVE_CRASHERS) return `(set CUPOLA_FUZZ_SAVE=1 to save the input to test/fuzz/corpus/${target}/)`;
  const dir = join(CORPUS, target);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `crash-${createHash('sha1').update(input).digest('hex').slice(0, 12)}.bin`);
  writeFileSync(file, input);
  return `(saved to ${file})`;
}

/** Runs `fn`; when it throws, saves `input` for `target` and rethrows with where it went. */
export function keepCrasher(target: string, input: Buffer, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    const note = saveCrasher(target, input);
    throw new Error(`${err instanceof Error ? err.message : String(err)} ${note}`, { cause: err });
  }
}
