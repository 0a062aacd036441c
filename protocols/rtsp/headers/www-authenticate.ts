/** WWW-Authenticate (RFC 2617 §1.2, §3.2.1 as RTSP uses it): a server's Basic/Digest challenges. */
import { formatAuthItem, parseAuthItems } from './auth-params.ts';

export type AuthChallenge =
  | { readonly scheme: 'basic'; readonly realm: string }
  | {
      readonly scheme: 'digest';
      readonly realm: string;
      readonly nonce: string;
      readonly opaque?: string;
      /** Only MD5 is supported. */
      readonly algorithm?: string;
      /** `auth` when offered; RTSP servers usually omit qop. */
      readonly qop?: string;
      readonly stale?: boolean;
    };

/** Parses every challenge of one or more header values; unknown schemes are skipped. */
export function parseWwwAuthenticate(values: readonly string[]): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  for (const value of values) {
    for (const item of parseAuthItems(value)) {
      const scheme = item.scheme.toLowerCase();
      const p = item.params;
      if (scheme === 'basic') out.push({ scheme, realm: p['realm'] ?? '' });
      else if (scheme === 'digest' && p['nonce'] !== undefined) {
        out.push({
          scheme,
          realm: p['realm'] ?? '',
          nonce: p['nonce'],
          ...(p['opaque'] === undefined ? {} : { opaque: p['opaque'] }),
          ...(p['algorithm'] === undefined ? {} : { algorithm: p['algorithm'] }),
          ...(p['qop'] === undefined ? {} : { qop: p['qop'] }),
          ...(p['stale'] === undefined ? {} : { stale: p['stale'].toLowerCase() === 'true' }),
        });
      }
    }
  }
  return out;
}

export function formatWwwAuthenticate(c: AuthChallenge): string {
  if (c.scheme === 'basic') return formatAuthItem('Basic', { realm: c.realm });
  // realm, nonce, stale first: live555 (VLC) reads the challenge with a fixed sscanf pattern
  // `Digest realm="%[^"]", nonce="%[^"]", stale=%[a-zA-Z]`; everyone else reads the pairs by name.
  const params: Record<string, string> = { realm: c.realm, nonce: c.nonce };
  if (c.stale === true) params['stale'] = 'TRUE';
  if (c.opaque !== undefined) params['opaque'] = c.opaque;
  if (c.algorithm !== undefined) params['algorithm'] = c.algorithm;
  if (c.qop !== undefined) params['qop'] = c.qop;
  return formatAuthItem('Digest', params, new Set(['algorithm', 'stale']));
}
