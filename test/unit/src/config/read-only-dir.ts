/**
 * Makes a directory truly read-only for this process, for tests of failed writes. As a normal user
 * chmod is enough; root ignores modes, so as root the ext4 immutable attribute (chattr +i) is used.
 * Returns null (with the reason) when neither works here, so the test can skip saying why.
 */
import { spawnSync } from 'node:child_process';
import { chmod, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ReadOnlyDir {
  restore(): Promise<void>;
}

async function writable(dir: string): Promise<boolean> {
  const probe = join(dir, '.probe');
  try {
    await writeFile(probe, 'x');
    await unlink(probe);
    return true;
  } catch {
    // The write failing is exactly what we are probing for.
    return false;
  }
}

export async function makeReadOnly(dir: string): Promise<ReadOnlyDir | string> {
  const root = process.getuid?.() === 0;
  if (!root) {
    await chmod(dir, 0o555);
    if (!(await writable(dir))) return { restore: () => chmod(dir, 0o755) };
    await chmod(dir, 0o755);
    return 'chmod 555 does not stop writes on this filesystem';
  }
  const r = spawnSync('chattr', ['+i', dir], { encoding: 'utf8' });
  const restore = async (): Promise<void> => {
    spawnSync('chattr', ['-i', dir]);
  };
  if (r.status === 0 && !(await writable(dir))) return { restore };
  await restore();
  return `running as root and chattr +i is unavailable (${(r.stderr || r.error?.message || 'no effect').trim()})`;
}
