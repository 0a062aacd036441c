/**
 * A camera as the API shows it: the publish key and a pulled camera's source credentials are
 * write-only. Replies, the event snapshot, `camera.changed` events and webhooks carry
 * `publishKeyRequired` instead of the key and `sourceCredentialsSet` instead of the user and password.
 */
import type { Camera } from '../config/model.ts';

export type PublicCamera = Omit<Camera, 'publishKey' | 'sourceUser' | 'sourcePass'> & {
  readonly publishKeyRequired: boolean;
  /** Only on cameras with a `source`. */
  readonly sourceCredentialsSet?: boolean;
};

/** Fields of a camera the API accepts but never returns (a PUT without them keeps the stored ones). */
export const CAMERA_WRITE_ONLY_FIELDS = ['publishKey', 'sourceUser', 'sourcePass'] as const;

/** Fields of a camera the API returns but never accepts. */
export const CAMERA_READ_ONLY_FIELDS = ['publishKeyRequired', 'sourceCredentialsSet'] as const;

export function publicCamera(camera: Camera): PublicCamera {
  const { publishKey, sourceUser, sourcePass, ...rest } = camera;
  return {
    ...rest,
    publishKeyRequired: publishKey !== undefined,
    ...(camera.source !== undefined ? { sourceCredentialsSet: sourceUser !== undefined } : {}),
  };
}
