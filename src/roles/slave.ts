/**
 * The slave: cameras publish to its Factory 1; its own compression workers (unless --no-compress)
 * feed Factory 2; pulled cameras (`source`) too. The listeners and the API come from src/node.ts.
 */
import { startCameraSources } from './camera-sources.ts';
import { liveCameraProfile, startOwnCompression } from './own-compression.ts';
import { followConfiguredPeer } from './peer-watch.ts';
import type { NodeCore, RunningRole } from './role.ts';

export function startSlave(core: NodeCore): RunningRole {
  const compression = core.settings.compression.enabled ? startOwnCompression(core, true) : undefined;
  followConfiguredPeer(core);
  const sources = startCameraSources(core);
  return {
    servesCompression: true,
    sources,
    profileChanged: (path) => void compression?.updateProfile(path, liveCameraProfile(core, path)),
  };
}
