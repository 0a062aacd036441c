/**
 * The API's side of the node's access check (action `api`). Internal: the bearer token
 * (TokenAuth), synchronously, plus the IP lists when there are any. http/jwt: the request goes to
 * AccessControl with the bearer token (or, for an http auth service, Basic `user:pass`); wrong or
 * missing credentials answer 401, any other refusal (IP list, claim, auth service down) 403.
 */
import type { AccessControl } from '../access/access-control.ts';
import { normalizeIp, type AccessProtocol, type AccessRequest, type AccessVerdict } from '../access/access-request.ts';
import type { TokenAuth } from './auth.ts';
import { errorReply, type GuardClient, type Reply } from './http.ts';

export const UNAUTHORIZED: Reply = { ...errorReply(401, 'missing or wrong bearer token'), headers: { 'www-authenticate': 'Bearer realm="cupola"' } };

export function apiAccessRequest(protocol: AccessProtocol, authorization: string, client: GuardClient, queryToken?: string): AccessRequest {
  const bearer = /^bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  const basic = /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization)?.[1];
  let user: string | undefined;
  let password: string | undefined;
  if (basic !== undefined) {
    const text = Buffer.from(basic, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon >= 0) [user, password] = [text.slice(0, colon), text.slice(colon + 1)];
  }
  const token = bearer ?? queryToken;
  return {
    action: 'api',
    protocol,
    path: client.url,
    ip: normalizeIp(client.ip),
    ...(user !== undefined ? { user } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(token !== undefined && token !== '' ? { token } : {}),
  };
}

/** The HTTP reply of a refusal, or null when allowed. */
export function apiRefusal(v: AccessVerdict): Reply | null {
  if (v.allowed) return null;
  if (v.reason === 'credentials') return { ...UNAUTHORIZED, ...errorReply(401, v.message), headers: UNAUTHORIZED.headers! };
  return errorReply(403, v.message);
}

/** The guard of every /api/v1 route. */
export function apiGuard(access: AccessControl | undefined, auth: TokenAuth): (authorization: string, query: URLSearchParams, client: GuardClient) => Reply | null | Promise<Reply | null> {
  return (authorization, _query, client) => {
    if (access === undefined || !access.isAsync('api')) return auth.checkHeader(authorization) ? null : UNAUTHORIZED;
    return access.authorize(apiAccessRequest('http', authorization, client), () => auth.checkHeader(authorization)).then(apiRefusal);
  };
}
