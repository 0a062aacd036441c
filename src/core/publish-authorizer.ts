/**
 * The registries' publish checks. Factory 1 (raw): known cameras with the right key, unknown ones
 * auto-registered (each logged, at most `maxRegistrations` per process) when auto-registration is on.
 * Compression publishes internally and is not a camera; replication is never refused (the slave
 * checked the camera) but an unknown replicated camera is registered like a direct one. Factory 2
 * (compressed): see compressedPublishAuthorizer.
 */
import type { ConfigStore } from '../config/store.ts';
import { decideCompressedPublish, decidePublish } from '../config/publish-policy.ts';
import type { Logger } from '../log/logger.ts';
import { PublishRejectedError, type PublishAuthorizer } from '../streams/types.ts';

export interface AutoRegisterPolicy {
  /** Whether unknown cameras are registered now (the catalog may have gained publish keys). */
  readonly enabled: () => boolean;
  /** Cameras this node may auto-register (since start); later unknown cameras are refused. */
  readonly maxRegistrations: number;
}

export function cameraPublishAuthorizer(store: ConfigStore, policy: AutoRegisterPolicy, log: Logger): PublishAuthorizer {
  const registering = new Set<string>();
  let registered = 0;
  return (path, publisher) => {
    if (publisher.kind === 'compressor' || publisher.kind === 'internal') return;
    if (publisher.kind === 'source') {
      // Cupola's own pull of a catalog camera's `source` URL: allowed while the camera has one.
      const camera = store.catalog().cameras.find((c) => c.id === path);
      if (camera?.source !== undefined && camera.enabled) return;
      throw new PublishRejectedError('unknown-camera', `"${path}" is not a camera with a source`);
    }
    const decision = decidePublish(store.catalog(), policy.enabled(), path, publisher.key);
    // A replicated camera passed the slave's check: never refused here, but registered in this
    // node's catalog (when auto-registration is on and under its cap) so URL management lists it.
    if (publisher.kind === 'replication' && decision.kind !== 'register') return;
    switch (decision.kind) {
      case 'allow':
        return;
      case 'reject':
        throw new PublishRejectedError(decision.reason, decision.message);
      case 'register': {
        if (registering.has(path)) return;
        if (registered >= policy.maxRegistrations) {
          if (publisher.kind === 'replication') return;
          throw new PublishRejectedError('register-limit', `unknown camera "${path}": auto-registration reached its limit of ${policy.maxRegistrations} cameras (cameras.autoRegisterMax); add the camera to the catalog`);
        }
        registered++;
        registering.add(path);
        log.info('camera auto-registered', { camera: path, remote: publisher.remote, registered, max: policy.maxRegistrations });
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

/**
 * Factory 2: the in-process compressor (kind 'compressor') and replication of an upstream's Factory 2
 * need nothing. A remote push (RTSP RECORD, kind 'rtsp') reaches this check only after the listener
 * verified its credentials; with no push credentials configured (`remotePush` false) it is refused.
 * Either way only enabled catalog cameras are accepted, never auto-registered (security issue 17.1).
 */
export function compressedPublishAuthorizer(store: ConfigStore, remotePush: boolean): PublishAuthorizer {
  return (path, publisher) => {
    if (publisher.kind === 'compressor' || publisher.kind === 'internal' || publisher.kind === 'replication') return;
    if (!remotePush) {
      throw new PublishRejectedError('unauthorized', 'remote pushes to Factory 2 are off: set factories.compressed.auth.publish or api.token');
    }
    const decision = decideCompressedPublish(store.catalog(), path);
    if (decision.kind === 'reject') throw new PublishRejectedError(decision.reason, decision.message);
  };
}
