/**
 * Crash-safe file replacement: write a temp file beside the target, fsync it, rename it over the
 * target, fsync the directory. A reader (or a restart after a crash at any instant) sees either the
 * old file or the new one, never a torn mix.
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const TEMP_MARK = '.tmp-';

/** Names temp files `<target>.tmp-<pid>-<random>` so leftovers from a crash can be recognised. */
export function tempPathFor(target: string): string {
  return `${target}${TEMP_MARK}${process.pid}-${randomBytes(6).toString('hex')}`;
}

/**
 * Replaces `target` with `data` atomically. On failure the target is untouched, the temp file is
 * removed (best effort) and the error is rethrown.
 */
export async function writeFileAtomic(target: string, data: string | Buffer): Promise<void> {
  const temp = tempPathFor(target);
  let renamed = false;
  try {
    const fh = await open(temp, 'wx', 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, target);
    renamed = true;
    await syncDirectory(dirname(target));
  } catch (err) {
    if (!renamed) {
      await unlink(temp).catch(() => {
        // The temp file may never have been created (read-only dir); nothing to clean then.
      });
    }
    throw err;
  }
}

/** fsync of the directory makes the rename itself durable (POSIX). */
async function syncDirectory(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
  } catch {
    // Some platforms (Windows) cannot open a directory; the rename is still atomic there.
    return;
  }
  try {
    await fh.sync();
  } catch (err) {
    // EINVAL/EISDIR: the filesystem does not support fsync on directories; nothing more we can do.
    if (!isErrno(err, 'EINVAL') && !isErrno(err, 'EISDIR')) throw err;
  } finally {
    await fh.close();
  }
}

/** Removes temp files a crash left behind next to `target`. Returns the names removed. */
export async function removeStaleTemps(target: string): Promise<string[]> {
  const dir = dirname(target);
  const prefix = basename(target) + TEMP_MARK;
  const removed: string[] = [];
  for (const name of await readdir(dir)) {
    if (!name.startsWith(prefix)) continue;
    try {
      await unlink(join(dir, name));
      removed.push(name);
    } catch (err) {
      // Read-only directory: leave it; a later write uses a fresh name anyway.
      if (!isErrno(err, 'EACCES') && !isErrno(err, 'EROFS') && !isErrno(err, 'EPERM')) throw err;
    }
  }
  return removed;
}

export function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
