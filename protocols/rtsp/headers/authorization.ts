/** Authorization (RFC 2617 §2, §3.2.2): Basic token68 or Digest credentials. */
import { ProtocolError } from '../../errors.ts';
import { formatAuthItem, parseAuthItems } from './auth-params.ts';

export interface DigestCredentials {
  readonly scheme: 'digest';
  readonly username: string;
  readonly realm: string;
  readonly nonce: string;
  readonly uri: string;
  readonly response: string;
  readonly algorithm?: string;
  readonly opaque?: string;
  readonly qop?: string;
  readonly nc?: string;
  readonly cnonce?: string;
}

export type AuthCredentials = { readonly scheme: 'basic'; readonly token: string } | DigestCredentials;

export function parseAuthorization(value: string): AuthCredentials {
  const [item] = parseAuthItems(value);
  const scheme = item?.scheme.toLowerCase();
  if (item !== undefined && scheme === 'basic' && item.token68 !== undefined) return { scheme, token: item.token68 };
  if (item !== undefined && scheme === 'digest') {
    const p = item.params;
    const { username, realm, nonce, uri, response } = p;
    if (username !== undefined && realm !== undefined && nonce !== undefined && uri !== undefined && response !== undefined) {
      const optional: Record<string, string> = {};
      for (const k of ['algorithm', 'opaque', 'qop', 'nc', 'cnonce'] as const) if (p[k] !== undefined) optional[k] = p[k];
      return { scheme, username, realm, nonce, uri, response, ...optional };
    }
  }
  throw new ProtocolError('RTSP_AUTH_HEADER_INVALID', `unsupported or incomplete Authorization: ${JSON.stringify(value.slice(0, 100))}`);
}

export function formatAuthorization(c: AuthCredentials): string {
  if (c.scheme === 'basic') return `Basic ${c.token}`;
  const params: Record<string, string> = { username: c.username, realm: c.realm, nonce: c.nonce, uri: c.uri, response: c.response };
  if (c.algorithm !== undefined) params['algorithm'] = c.algorithm;
  if (c.opaque !== undefined) params['opaque'] = c.opaque;
  if (c.qop !== undefined) params['qop'] = c.qop;
  if (c.nc !== undefined) params['nc'] = c.nc;
  if (c.cnonce !== undefined) params['cnonce'] = c.cnonce;
  return formatAuthItem('Digest', params, new Set(['algorithm', 'qop', 'nc']));
}
