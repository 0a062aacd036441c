/**
 * The node's publish checks over a real (embedded file) store: auto-registration is capped and
 * logged (security 17.6); Factory 2 takes remote pushes only when push credentials exist, and only
 * for catalog cameras (17.1); the in-process compressor and replication need nothing.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore } from '../../../../src/config/file-store.ts';
import { cameraPublishAuthorizer, compressedPublishAuthorizer } from '../../../../src/core/publish-authorizer.ts';
import { silentLogger, type Logger } from '../../../../src/log/logger.ts';
import { PublishRejectedError, type PublishAuthorizer, type PublisherInfo } from '../../../../src/streams/types.ts';
import { waitFor } from '../../../helpers/server.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function openStore(): Promise<FileStore> {
  const dir = mkdtempSync(join(tmpdir(), 'cupola-authz-'));
  dirs.push(dir);
  const store = new FileStore({ dataDir: dir, defaultProfile: 'default' });
  await store.load();
  return store;
}

function reason(authorize: PublishAuthorizer, path: string, publisher: PublisherInfo): string | undefined {
  try {
    authorize(path, publisher);
    return undefined;
  } catch (err) {
    if (err instanceof PublishRejectedError) return err.reason;
    throw err;
  }
}

const camera: PublisherInfo = { kind: 'rtmp', remote: '10.0.0.9:5000' };

describe('cameraPublishAuthorizer', () => {
  it('registers unknown cameras up to the cap, logs each, then refuses with register-limit', async () => {
    const store = await openStore();
    const logged: string[] = [];
    const log: Logger = { ...silentLogger, info: (msg: string, fields?: Record<string, unknown>) => void logged.push(`${msg} ${String(fields?.['camera'])}`), child: () => log };
    const authorize = cameraPublishAuthorizer(store, { enabled: () => true, maxRegistrations: 2 }, log);
    assert.equal(reason(authorize, 'lab/x1', camera), undefined);
    assert.equal(reason(authorize, 'lab/x2', camera), undefined);
    assert.equal(reason(authorize, 'lab/x3', camera), 'register-limit');
    assert.equal(reason(authorize, 'site1/cam1', camera), undefined, 'catalog cameras still publish');
    assert.equal(reason(authorize, 'lab/x4', { kind: 'replication', remote: 'slave' }), undefined, 'replication is never refused (just not registered)');
    await waitFor(() => store.catalog().cameras.some((c) => c.id === 'lab/x2'), 5000, 'the registered cameras stored');
    assert.deepEqual(logged.filter((l) => l.startsWith('camera auto-registered')), ['camera auto-registered lab/x1', 'camera auto-registered lab/x2']);
    assert.equal(store.catalog().cameras.some((c) => c.id === 'lab/x3' || c.id === 'lab/x4'), false);
    await store.close();
  });

  it('refuses unknown cameras while auto-registration is off', async () => {
    const store = await openStore();
    const authorize = cameraPublishAuthorizer(store, { enabled: () => false, maxRegistrations: 64 }, silentLogger);
    assert.equal(reason(authorize, 'SITE1/cam3', camera), 'unknown-camera');
    assert.equal(reason(authorize, 'evil/injected', { kind: 'rtsp', remote: '10.0.0.9' }), 'unknown-camera');
    await store.close();
  });
});

describe('compressedPublishAuthorizer', () => {
  it('without push credentials: remote pushes refused, the in-process compressor and replication allowed', async () => {
    const store = await openStore();
    const authorize = compressedPublishAuthorizer(store, false);
    assert.equal(reason(authorize, 'site1/cam1', { kind: 'rtsp', remote: '10.0.0.9' }), 'unauthorized');
    assert.equal(reason(authorize, 'site1/cam1', { kind: 'compressor', remote: 'worker:site1/cam1' }), undefined);
    assert.equal(reason(authorize, 'site1/cam1', { kind: 'replication', remote: 'slave' }), undefined);
    await store.close();
  });

  it('with push credentials (checked by the listener): catalog cameras only, never registered', async () => {
    const store = await openStore();
    const authorize = compressedPublishAuthorizer(store, true);
    assert.equal(reason(authorize, 'site1/cam1', { kind: 'rtsp', remote: '10.0.0.9' }), undefined);
    assert.equal(reason(authorize, 'evil/injected', { kind: 'rtsp', remote: '10.0.0.9' }), 'unknown-camera');
    assert.equal(store.catalog().cameras.some((c) => c.id === 'evil/injected'), false);
    await store.close();
  });
});
