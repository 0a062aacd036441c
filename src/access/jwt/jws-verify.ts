/**
 * JWS compact serialisation (RFC 7515) verified with node:crypto: RS256/384/512, PS256/384/512,
 * ES256/384/512 and HS256/384/512. `alg: none` and any algorithm the key cannot do are refused, so
 * a token cannot choose a weaker check than the key's (no RSA-key-as-HMAC-secret confusion).
 */
import { createHmac, createPublicKey, timingSafeEqual, verify, type KeyObject, constants } from 'node:crypto';

/** Longest token accepted (a header and a few claims are far smaller). */
export const MAX_TOKEN_LENGTH = 8192;

export type JwsAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'HS256' | 'HS384' | 'HS512';

const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };
const EC_CURVE: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

/** A verification key: a public key (RSA or EC) or an HMAC secret. */
export type VerifyKey = { readonly kind: 'public'; readonly key: KeyObject; readonly alg?: string } | { readonly kind: 'secret'; readonly secret: Buffer };

export interface JwsHeader {
  readonly alg: string;
  readonly kid?: string;
  readonly typ?: string;
}

export interface DecodedJws {
  readonly header: JwsHeader;
  readonly payload: Record<string, unknown>;
  readonly signingInput: Buffer;
  readonly signature: Buffer;
}

export class JwtError extends Error {
  override readonly name = 'JwtError';
}

const B64URL = /^[A-Za-z0-9_-]*$/;

function b64url(part: string, what: string): Buffer {
  if (!B64URL.test(part)) throw new JwtError(`${what} is not base64url`);
  return Buffer.from(part, 'base64url');
}

function json(buf: Buffer, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(buf.toString('utf8'));
  } catch {
    throw new JwtError(`${what} is not JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new JwtError(`${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

/** Splits and decodes a compact JWS without checking it. */
export function decodeJws(token: string): DecodedJws {
  if (token.length > MAX_TOKEN_LENGTH) throw new JwtError(`token longer than ${MAX_TOKEN_LENGTH} characters`);
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtError('not a JWS compact token (three dot-separated parts)');
  const [h, p, s] = parts as [string, string, string];
  const header = json(b64url(h, 'header'), 'header');
  if (typeof header['alg'] !== 'string') throw new JwtError('header has no alg');
  if (header['kid'] !== undefined && typeof header['kid'] !== 'string') throw new JwtError('header kid is not a string');
  if (header['crit'] !== undefined) throw new JwtError('header crit is not supported');
  return {
    header: header as unknown as JwsHeader,
    payload: json(b64url(p, 'payload'), 'payload'),
    signingInput: Buffer.from(`${h}.${p}`, 'ascii'),
    signature: b64url(s, 'signature'),
  };
}

/** A JWK (RFC 7517) as a VerifyKey; symmetric `oct` keys are refused (a JWKS publishes public keys). */
export function keyFromJwk(jwk: Record<string, unknown>): VerifyKey {
  if (jwk['kty'] !== 'RSA' && jwk['kty'] !== 'EC') throw new JwtError(`JWK kty ${String(jwk['kty'])} is not supported (RSA or EC)`);
  const key = createPublicKey({ key: jwk as never, format: 'jwk' });
  return typeof jwk['alg'] === 'string' ? { kind: 'public', key, alg: jwk['alg'] } : { kind: 'public', key };
}

/** A PEM public key (`-----BEGIN PUBLIC KEY-----`, RSA or EC). */
export function keyFromPem(pem: string): VerifyKey {
  return { kind: 'public', key: createPublicKey(pem) };
}

/** Whether the token's algorithm fits the key (type, curve, and the JWK's own alg when given). */
function fits(alg: string, key: VerifyKey): boolean {
  if (key.kind === 'secret') return /^HS(256|384|512)$/.test(alg);
  if (key.alg !== undefined && key.alg !== alg) return false;
  const type = key.key.asymmetricKeyType;
  if (/^(RS|PS)(256|384|512)$/.test(alg)) return type === 'rsa' || (type === 'rsa-pss' && alg.startsWith('PS'));
  if (/^ES(256|384|512)$/.test(alg)) return type === 'ec' && key.key.export({ format: 'jwk' }).crv === EC_CURVE[alg];
  return false;
}

/** Checks the signature of a decoded token with `key`; throws JwtError when it does not hold. */
export function verifySignature(jws: DecodedJws, key: VerifyKey, allowed: readonly string[]): void {
  const alg = jws.header.alg;
  if (alg === 'none' || !allowed.includes(alg)) throw new JwtError(`algorithm ${alg} is not accepted`);
  if (!fits(alg, key)) throw new JwtError(`algorithm ${alg} does not fit the key`);
  const hash = HASH[alg.slice(2)]!;
  let ok: boolean;
  if (key.kind === 'secret') {
    const mac = createHmac(hash, key.secret).update(jws.signingInput).digest();
    ok = mac.length === jws.signature.length && timingSafeEqual(mac, jws.signature);
  } else if (alg.startsWith('ES')) {
    // JWS carries ECDSA signatures as r||s (RFC 7518 §3.4), not DER.
    ok = verify(hash, jws.signingInput, { key: key.key, dsaEncoding: 'ieee-p1363' }, jws.signature);
  } else if (alg.startsWith('PS')) {
    ok = verify(hash, jws.signingInput, { key: key.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, jws.signature);
  } else {
    ok = verify(hash, jws.signingInput, key.key, jws.signature);
  }
  if (!ok) throw new JwtError('bad signature');
}
