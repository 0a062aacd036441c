/**
 * The raw factory's publish check: known cameras with the right key, unknown ones auto-registered
 * (logged once per camera) when `cameras.autoRegister` is on. Compression publishes internally and
 * is not a camera; replication is never refused (the slave checked the camera) but an unknown
 * replicated camera is registered like a direct one.
 */
import type { ConfigStore } from '../config/store.ts';
import { decidePublish } from '../config/publish-policy.ts';
import type { Logger } from '../log/logger.ts';
import { PublishRejectedError, type PublishAuthorizer } from '../streams/types.ts';

export function cameraPublishAuthorizer(store: ConfigStore, autoRegister: () => boolean, log: Logger): PublishAuthorizer {
  const registering = new Set<string>();
  return (path, publisher) => {
    if (publisher.kind === 'compressor' || publisher.kind === 'internal') return;
    const decision = decidePublish(store.catalog(), autoRegister(), path, publisher.key);
    // A replicated camera passed the slave's check: never refused here, but registered in this
    // node's catalog (when auto-registration is on) so URL management lists it.
    if (publisher.kind === 'replication' && decision.kind !== 'register') return;
    switch (decision.kind) {
      case 'allow':
        return;
      case 'reject':
        throw new PublishRejectedError(decision.reason, decision.message);
      case 'register': {
        if (registering.has(path)) return;
        registering.add(path);
        log.info('camera auto-registered', { camera: path, remote: publisher.remote });
        void (async () => {
          try {
            if (decision.site !== undefined) await store.put('sites', decision.site, { mode: 'upsert' });
            await store.put('cameras', decision.camera, { mode: 'create' });
          } catch (err) {
            log.warn('could not store the auto-registered camera', { camera: path, err: (err as Error).message });
          } finally {
            registering.delete(path);
          }
        })();
        return;
      }
    }
  };
}
