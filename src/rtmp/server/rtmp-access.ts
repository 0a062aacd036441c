/**
 * The RTMP side of the node's access check: what a publish or play request presents. Credentials
 * travel in the stream name's (or app's) query: `?user=U&pass=P` or `?token=T` (a JWT may also be
 * the `pass`). The whole query goes to an http auth service, so it can read `key=` too.
 */
import type { AccessRequest } from '../../access/access-request.ts';
import { normalizeIp } from '../../access/access-request.ts';

export function rtmpAccessRequest(action: 'publish' | 'read', path: string, remoteAddress: string | undefined, query: Readonly<Record<string, string>>): AccessRequest {
  const user = query['user'];
  const password = query['pass'];
  const token = query['token'];
  return {
    action,
    protocol: 'rtmp',
    path,
    ip: normalizeIp(remoteAddress ?? ''),
    query: new URLSearchParams(query as Record<string, string>).toString(),
    ...(user !== undefined ? { user } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(token !== undefined ? { token } : {}),
  };
}
