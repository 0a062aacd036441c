import type { Logger } from '../log/logger.ts';
import { readSettingsFile } from '../config/settings.ts';
import { startNode, VERSION } from '../node.ts';
import type { ServeOptions } from './serve-options.ts';
import { STOP_SIGNALS, watchParent } from './parent-watch.ts';
import { dashboardUrl, startupSummary } from './startup-summary.ts';
import { settingsFromOptions } from './settings-from-options.ts';

export interface ServeOutput {
  /** Where start-up failures and the summary go; defaults to process.stderr. */
  readonly stderr?: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * Runs a node until SIGINT, SIGTERM or SIGHUP (or until its launcher is gone, see parent-watch.ts),
 * then shuts it down gracefully. Prints the one-line JSON `listening` announcement on stdout once
 * start-up is done: the ports (rtmps, rtsps and compressedRtsps only when those TLS listeners are
 * on), and in `down` the listeners that could not bind (they are retried
 * with backoff; a fixed port shows the configured one). Only a start-up error other than a bind
 * (bad settings, unreadable store) makes it exit. Returns the exit code.
 */
export async function runServe(options: ServeOptions, log: Logger, out: ServeOutput = {}): Promise<number> {
  const stderr = out.stderr ?? process.stderr;
  // A person at a terminal gets one human line per failure and a summary; a log collector gets JSON.
  const human = stderr.isTTY === true;
  let node;
  try {
    const fileLayer = options.config !== undefined ? await readSettingsFile(options.config) : undefined;
    const settings = settingsFromOptions(options, fileLayer, options.config ?? 'command line');
    node = await startNode(settings, log, { resetCatalog: options.resetCatalog === true });
  } catch (err) {
    if (!human) log.error('start-up failed', { err: (err as Error).message });
    stderr.write(`cupola serve: ${(err as Error).message}\n`);
    return 1;
  }
  // The stop signals are caught before anything announces the node: a supervisor that sends SIGTERM
  // as soon as it reads the "listening" line must get a graceful stop, not the default kill.
  let stopWatching = (): void => {};
  const stopped = new Promise<string>((resolve) => {
    for (const s of STOP_SIGNALS) process.once(s, () => resolve(s));
    stopWatching = watchParent(resolve);
  });
  const down = node.listenersDown();
  // The TLS listeners (rtmps, rtsps, compressedRtsps) are named only when they are on.
  const { rtmps, rtsps, compressedRtsps, ...plain } = node.ports;
  const tls = { ...(rtmps !== null ? { rtmps } : {}), ...(rtsps !== null ? { rtsps } : {}), ...(compressedRtsps !== null ? { compressedRtsps } : {}) };
  process.stdout.write(`${JSON.stringify({ event: 'listening', role: node.settings.node.role, ...plain, ...tls, down })}\n`);
  const summary = startupSummary({ settings: node.settings, ports: node.ports, version: VERSION });
  if (human) stderr.write(`${summary.join('\n')}\n${down.length > 0 ? `Not bound yet (retrying): ${down.join(', ')}\n` : ''}`);
  const dashboard = dashboardUrl(node.settings, node.ports);
  if (dashboard !== null) log.info('dashboard', { url: dashboard });
  const signal = await stopped;
  stopWatching();
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
