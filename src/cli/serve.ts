import type { Logger } from '../log/logger.ts';
import { startNode } from '../main.ts';
import type { ServeOptions } from './serve-options.ts';

/**
 * Runs a node until SIGINT/SIGTERM, then shuts it down gracefully. Prints the one-line JSON
 * `listening` announcement on stdout once start-up is done: the ports (rtmps, rtsps and compressedRtsps
 * only when those TLS listeners are on), and in `down` the listeners
 * that could not bind (they are retried with backoff; a fixed port shows the configured one). Only a
 * start-up error other than a bind (bad settings, unreadable store) makes it exit. Returns the exit code.
 */
export async function runServe(options: ServeOptions, log: Logger): Promise<number> {
  let node;
  try {
    node = await startNode(options, log);
  } catch (err) {
    log.error('start-up failed', { err: (err as Error).message });
    process.stderr.write(`cupola serve: ${(err as Error).message}\n`);
    return 1;
  }
  // The TLS listeners (rtmps, rtsps, compressedRtsps) are named only when they are on.
  const { rtmps, rtsps, compressedRtsps, ...plain } = node.ports;
  const tls = { ...(rtmps !== null ? { rtmps } : {}), ...(rtsps !== null ? { rtsps } : {}), ...(compressedRtsps !== null ? { compressedRtsps } : {}) };
  process.stdout.write(`${JSON.stringify({ event: 'listening', role: options.role, ...plain, ...tls, down: node.listenersDown() })}\n`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  log.info('shutting down', { signal });
  const hardStop = setTimeout(() => {
    log.error('graceful shutdown took too long; exiting');
    process.exit(1);
  }, 15_000);
  hardStop.unref();
  try {
    await node.close();
  } catch (err) {
    log.error('error during shutdown', { err: (err as Error).message });
    return 1;
  }
  log.info('stopped');
  return 0;
}
