/**
 * Digest response computation (RFC 2617 §3.2.2.1; RFC 7616 keeps it for MD5). RTSP servers mostly
 * omit qop, giving response = MD5(HA1:nonce:HA2); with qop=auth the nc and cnonce join in.
 */
import { createHash } from 'node:crypto';

export interface DigestInput {
  readonly username: string;
  readonly password: string;
  readonly realm: string;
  readonly nonce: string;
  readonly method: string;
  readonly uri: string;
  /** `auth` or undefined (RFC 2069 compatibility form). */
  readonly qop?: string;
  /** 8 hex digits, with qop. */
  readonly nc?: string;
  readonly cnonce?: string;
}

export function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

export function digestHa1(username: string, realm: string, password: string): string {
  return md5Hex(`${username}:${realm}:${password}`);
}

export function computeDigestResponse(d: DigestInput): string {
  return digestResponseFromHa1(digestHa1(d.username, d.realm, d.password), d);
}

/** Same as computeDigestResponse, from a stored HA1 (servers need not keep plain passwords). */
export function digestResponseFromHa1(ha1: string, d: Omit<DigestInput, 'username' | 'password'>): string {
  const ha2 = md5Hex(`${d.method}:${d.uri}`);
  if (d.qop === undefined || d.qop === '') return md5Hex(`${ha1}:${d.nonce}:${ha2}`);
  return md5Hex(`${ha1}:${d.nonce}:${d.nc ?? ''}:${d.cnonce ?? ''}:${d.qop}:${ha2}`);
}
