/**
 * Who may read and push on each factory over RTSP, from the settings (`factories.*.auth`,
 * `api.token`), and what a compressor role sends to push to its upstream's Factory 2.
 */
import type { FactoryAuth, RemoteNode, Settings } from '../config/settings.ts';
import type { RtspAuthOptions } from '../rtsp/server/rtsp-listener.ts';

/** A factory's read and publish credentials as the RTSP listener checks them. */
export function rtspAuth(a: FactoryAuth, nonceLifetimeSec: number): { read?: RtspAuthOptions; publish?: RtspAuthOptions } {
  const one = (c: FactoryAuth['read']): RtspAuthOptions | undefined =>
    c === undefined
      ? undefined
      : { credentials: [{ username: c.user, password: c.pass }], schemes: c.method === 'basic' ? ['basic'] : ['digest'], nonceLifetimeMs: nonceLifetimeSec * 1000 };
  const read = one(a.read);
  const publish = one(a.publish);
  return { ...(read ? { read } : {}), ...(publish ? { publish } : {}) };
}

/** The user name a compressor pushes to Factory 2 with when the API token is its password. */
export const COMPRESSOR_PUSH_USER = 'compressor';

/**
 * Who may push to this node's Factory 2 over RTSP (security issue 17.1): its publish credentials
 * when set, else user `compressor` with the API token as password (Digest), else nobody.
 */
export function compressedPushAuth(settings: Settings): RtspAuthOptions | undefined {
  const nonceLifetimeSec = settings.limits.rtspDigestNonceLifetimeSec;
  const explicit = rtspAuth(settings.factories.compressed.auth, nonceLifetimeSec).publish;
  if (explicit !== undefined) return explicit;
  const token = settings.api.token;
  return token === undefined
    ? undefined
    : { credentials: [{ username: COMPRESSOR_PUSH_USER, password: token }], schemes: ['digest'], nonceLifetimeMs: nonceLifetimeSec * 1000 };
}

/** What a compressor role sends to push to its upstream's Factory 2: explicit, else the API token. */
export function upstreamPushCredentials(u: RemoteNode): { user: string; pass: string } | undefined {
  if (u.pushCredentials !== undefined) return u.pushCredentials;
  return u.apiToken === undefined ? undefined : { user: COMPRESSOR_PUSH_USER, pass: u.apiToken };
}
