/**
 * An API server on port 0 over a real FileStore in a temp dir, with fakes for the injected views.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectCatalogEvents } from '../../../../src/core/catalog-events.ts';
import { EventBus } from '../../../../src/core/events.ts';
import { startApiServer, type ApiServer, type ApiServerDeps, type ApiServerOptions } from '../../../../src/api/server.ts';
import type { ReadinessCheck, StreamInfo, StreamsView } from '../../../../src/api/types.ts';
import { UrlManager } from '../../../../src/core/url-manager.ts';
import { peerEndpoint, selfEndpoint } from '../../../../src/core/urls.ts';
import { FileStore } from '../../../../src/config/file-store.ts';
import { parseSettings } from '../../../../src/config/settings.ts';
import { Metrics } from '../../../../src/metrics/metrics.ts';

export const TOKEN = 'test-token-0123456789';

/** A slave behind NAT (advertised host + forwarded ports) with a master peer on the LAN. */
export const SETTINGS = parseSettings({
  node: {
    role: 'slave',
    name: 'slave1',
    host: '10.0.0.5',
    advertisedHost: 'cams.example.org',
    publicPorts: { rtmp: 19350, rtspRaw: 18554, rtspCompressed: 18555 },
    peer: { id: 'master1', role: 'master', host: '10.0.0.6' },
  },
});

export interface Fixture {
  readonly port: number;
  readonly dataDir: string;
  readonly store: FileStore;
  readonly bus: EventBus;
  readonly urls: UrlManager;
  readonly metrics: Metrics;
  /** What the fake StreamsView lists; tests edit it. */
  readonly streams: StreamInfo[];
  readonly checks: { storeOk: boolean };
  request(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; json: any; text: string; headers: Headers }>;
  close(): Promise<void>;
}

export async function startFixture(
  options: Partial<ApiServerOptions> = { token: TOKEN },
  views: { streams?: StreamsView; snapshots?: ApiServerDeps['snapshots']; compression?: ApiServerDeps['compression']; whep?: ApiServerDeps['whep'] } = {},
): Promise<Fixture> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cupola-api-'));
  const store = new FileStore({ dataDir, defaultProfile: 'default' });
  const catalog = await store.load();
  const bus = new EventBus();
  const endpoints = [selfEndpoint(SETTINGS), peerEndpoint(SETTINGS)!];
  const urls = new UrlManager({ endpoints, catalog, bus });
  const metrics = new Metrics({ defaultMetrics: false });
  const stopEvents = connectCatalogEvents(store, bus, urls, metrics);
  const streams: StreamInfo[] = [];
  const checks = { storeOk: true };
  const readiness: ReadinessCheck[] = [
    { name: 'listeners', check: () => true },
    { name: 'store', check: async () => { if (!checks.storeOk) throw new Error('store unreachable'); } },
  ];
  let server: ApiServer;
  try {
    server = await startApiServer({ port: 0, ...options }, {
      store,
      bus,
      urls,
      metrics,
      readiness,
      streams: views.streams ?? { list: () => [...streams] },
      ...(views.snapshots !== undefined ? { snapshots: views.snapshots } : {}),
      ...(views.compression !== undefined ? { compression: views.compression } : {}),
      ...(views.whep !== undefined ? { whep: views.whep } : {}),
      node: { name: 'slave1', role: 'slave', version: '0.1.0' },
    });
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  const port = server.port;
  return {
    port, dataDir, store, bus, urls, metrics, streams, checks,
    async request(method, path, body, token = options.token ?? null) {
      const headers: Record<string, string> = {};
      if (token !== null && token !== undefined) headers['authorization'] = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let json: unknown;
      try {
        json = text === '' ? undefined : JSON.parse(text);
      } catch {
        // Not JSON (metrics text, static files): tests read `text`.
        json = undefined;
      }
      return { status: res.status, json, text, headers: res.headers };
    },
    async close() {
      stopEvents();
      await server.close();
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function streamInfo(factory: 'raw' | 'compressed', path: string, bytesIn = 1000): StreamInfo {
  return {
    factory,
    path,
    publisher: { kind: factory === 'raw' ? 'rtmp' : 'compressor', remote: '10.0.0.20:50000' },
    video: { codec: 'h264', width: 1280, height: 720, fps: 25 },
    audio: { codec: 'aac', sampleRate: 48000, channels: 2 },
    bitrateBps: 4_000_000,
    bitrateWindowSeconds: 10,
    readers: { rtsp: 1 },
    viewers: 1,
    internalReaders: 0,
    uptimeSeconds: 12,
    bytesIn,
    bytesOut: 2 * bytesIn,
    framesIn: 300,
    framesOut: 600,
    framesDropped: 0,
  };
}
