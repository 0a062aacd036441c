/**
 * A camera as the API shows it: the publish key is write-only. Replies, the event snapshot,
 * `camera.changed` events and webhooks carry `publishKeyRequired` instead of the key.
 */
import type { Camera } from '../config/model.ts';

export type PublicCamera = Omit<Camera, 'publishKey'> & { readonly publishKeyRequired: boolean };

/** Fields of a camera the API accepts but never returns. */
export const CAMERA_WRITE_ONLY_FIELDS = ['publishKey'] as const;

export function publicCamera(camera: Camera): PublicCamera {
  const { publishKey, ...rest } = camera;
  return { ...rest, publishKeyRequired: publishKey !== undefined };
}
