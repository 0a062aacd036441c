/**
 * The RTSP side of the node's access check. With auth.method http or jwt the server must see the
 * password, so the challenge is Basic (Digest never shows it to the server): use RTSPS or a trusted
 * network. Credentials: Basic `user:pass` (ffmpeg sends the URL's `rtsp://user:pass@host/...` so),
 * or `?token=` in the URL; a JWT may also be the Basic password. A Digest answer carries no password
 * and is sent to the service with the user name only.
 */
import type { AccessVerdict } from '../../access/access-request.ts';
import { normalizeIp, type AccessRequest } from '../../access/access-request.ts';
import { decodeBasicToken } from '../../../protocols/rtsp/auth/basic.ts';
import type { AuthVerdict } from '../../../protocols/rtsp/auth/server-auth.ts';
import { parseAuthorization } from '../../../protocols/rtsp/headers/authorization.ts';
import type { RtspRequest } from '../../../protocols/rtsp/message/rtsp-message.ts';
import type { RtspAccess } from '../../../protocols/rtsp/session/server-host.ts';
import { isProtocolError } from '../../../protocols/errors.ts';

export function rtspAccessRequest(req: RtspRequest, need: { access: RtspAccess; path: string; query: string }, remoteAddress: string): AccessRequest {
  let user: string | undefined;
  let password: string | undefined;
  const header = req.headers.get('Authorization');
  if (header !== undefined) {
    try {
      const cred = parseAuthorization(header);
      if (cred.scheme === 'basic') {
        const decoded = decodeBasicToken(cred.token);
        if (decoded !== null) ({ username: user, password } = decoded);
      } else user = cred.username;
    } catch (err) {
      // Malformed credentials are no credentials: the service decides (and usually refuses).
      if (!isProtocolError(err)) throw err;
    }
  }
  const token = new URLSearchParams(need.query).get('token') ?? undefined;
  return {
    action: need.access,
    protocol: 'rtsp',
    path: need.path,
    ip: normalizeIp(remoteAddress),
    query: need.query,
    ...(user !== undefined ? { user } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(token !== undefined ? { token } : {}),
  };
}

/** RTSP's answer to a verdict: wrong or missing credentials 401 (Basic challenge), anything else 403. */
export function rtspVerdict(v: AccessVerdict): AuthVerdict {
  if (v.allowed) return { kind: 'ok', username: v.user ?? '' };
  return v.reason === 'credentials' ? { kind: 'unauthorized', stale: false, reason: v.message } : { kind: 'forbidden', reason: v.message };
}
