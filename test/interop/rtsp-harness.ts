/**
 * In-process RTSP listener for the rtsp interop tests: a registry and one listener on 127.0.0.1
 * port 0, torn down by close().
 */
import { createLogger, silentLogger, type Logger } from '../../src/log/logger.ts';
import { startRtspListener, type RtspListener, type RtspListenerOptions } from '../../src/rtsp/server/rtsp-listener.ts';
import { StreamRegistry } from '../../src/streams/registry.ts';
import type { FactoryName } from '../../src/streams/types.ts';

export interface RtspHarness {
  readonly registry: StreamRegistry;
  readonly listener: RtspListener;
  url(path: string): string;
  close(): Promise<void>;
}

export async function startRtspHarness(options: Partial<RtspListenerOptions> = {}, factory: FactoryName = 'compressed'): Promise<RtspHarness> {
  const log: Logger = process.env['CUPOLA_TEST_LOGS'] === '1' ? createLogger('debug') : silentLogger;
  const registry = new StreamRegistry(factory, { unpublishedGraceMs: 500 });
  const listener = await startRtspListener({ port: 0, host: '127.0.0.1', allowPublish: true, ...options }, { registry, log });
  return {
    registry,
    listener,
    url: (path) => `rtsp://127.0.0.1:${listener.port}/${path}`,
    async close() {
      await listener.close();
      registry.close();
    },
  };
}

/** Resolves once `path` is live in the registry, or rejects after `timeoutMs`. */
export function waitLive(registry: StreamRegistry, path: string, timeoutMs: number): Promise<void> {
  if (registry.get(path)?.live) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      registry.off('stream.up', onUp);
      reject(new Error(`${path} not live within ${timeoutMs} ms`));
    }, timeoutMs);
    const onUp = (s: { path: string }): void => {
      if (s.path !== path) return;
      clearTimeout(timer);
      registry.off('stream.up', onUp);
      resolve();
    };
    registry.on('stream.up', onUp);
  });
}
