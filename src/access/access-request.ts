/**
 * The one access question every protocol asks (issue 14, external authentication): may this client
 * publish, read or use the API on this path? Each protocol builds an AccessRequest at its existing
 * auth point, awaits the verdict from AccessControl and answers with its own refusal (RTMP
 * NetStream.Publish.BadName / NetStream.Play.Failed and close, RTSP 401/403, HTTP 401/403).
 */

export type AccessAction = 'publish' | 'read' | 'api';
export const ACCESS_ACTIONS: readonly AccessAction[] = ['publish', 'read', 'api'];

export type AccessProtocol = 'rtmp' | 'rtsp' | 'http' | 'ws';

export interface AccessRequest {
  readonly action: AccessAction;
  readonly protocol: AccessProtocol;
  /** Stream path (`site1/cam1`) for publish/read; the URL path (`/api/v1/cameras`) for the API. */
  readonly path: string;
  /** Client IP address (`::ffff:` prefix removed). */
  readonly ip: string;
  readonly user?: string;
  /** Never logged. */
  readonly password?: string;
  /** A bearer token, `?token=`, or (JWT) the password field. Never logged. */
  readonly token?: string;
  /** The raw query string of the request URL, without `?` (may carry `key=`, `token=`). */
  readonly query?: string;
}

/**
 * Why access was refused. `credentials`: missing or wrong credentials/token (a protocol may ask
 * again: RTSP and HTTP answer 401); `forbidden`: the identity is known but lacks the permission
 * (JWT claim mismatch, the auth service said no with 403); `ip`: the client address is not allowed;
 * `unavailable`: the auth service timed out, failed or answered garbage (fail closed).
 * Everything but `credentials` answers 403.
 */
export type DenyReason = 'credentials' | 'forbidden' | 'ip' | 'unavailable';

export type AccessVerdict =
  | { readonly allowed: true; readonly user?: string }
  | { readonly allowed: false; readonly reason: DenyReason; readonly message: string };

export const allow = (user?: string): AccessVerdict => (user === undefined ? { allowed: true } : { allowed: true, user });
export const deny = (reason: DenyReason, message: string): AccessVerdict => ({ allowed: false, reason, message });

/** One way of deciding (the http or the jwt backend). */
export interface AccessBackend {
  authorize(req: AccessRequest): Promise<AccessVerdict>;
}

/** `::ffff:10.0.0.1` -> `10.0.0.1`, so lists and services see one form. */
export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
