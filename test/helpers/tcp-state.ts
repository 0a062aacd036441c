/**
 * Reads the kernel's TCP table (Linux /proc/net/tcp) so a test can show that the case it builds is
 * real, e.g. that a port still has connections in TIME-WAIT when a server rebinds it.
 */
import { readFile } from 'node:fs/promises';

/** TCP state code of TIME-WAIT in /proc/net/tcp. */
const TIME_WAIT = '06';

/** Connections whose local end is 127.0.0.1:`port` and that sit in TIME-WAIT. */
export async function timeWaitCount(port: number): Promise<number> {
  const table = await readFile('/proc/net/tcp', 'utf8');
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return table.split('\n').filter((line) => {
    const cols = line.trim().split(/\s+/);
    return cols[1] === local && cols[3] === TIME_WAIT;
  }).length;
}

/** Why a test that needs /proc/net/tcp is skipped here, or false. */
export const noTcpTable: string | false = process.platform === 'linux' ? false : 'reads /proc/net/tcp (Linux only)';
