/**
 * Server side of RTSP authentication: builds Basic/Digest challenges and verifies a request's
 * Authorization header. Pure: time and nonces come in.
 *
 * Digest (RFC 7616, MD5 only; RFC 2069 form accepted for clients that ignore qop) is protected
 * against replay: a nonce is issued with each challenge and bound to the connection that received
 * it and to a lifetime (NonceStore); the `uri` parameter must name the request's resource; with
 * qop=auth each nonce's nc must grow. A response that is right for a nonce we can no longer use
 * (expired, forgotten, another connection's) gets 401 with `stale=true`, so clients retry with the
 * fresh nonce without asking for the password again.
 */
import { timingSafeEqual } from 'node:crypto';
import { isProtocolError } from '../../errors.ts';
import { parseAuthorization, type DigestCredentials } from '../headers/authorization.ts';
import { formatWwwAuthenticate } from '../headers/www-authenticate.ts';
import type { RtspRequest } from '../message/rtsp-message.ts';
import { decodeBasicToken } from './basic.ts';
import { digestHa1, digestResponseFromHa1 } from './digest.ts';
import { digestUriMatches } from './digest-uri.ts';
import { NonceStore } from './nonce-store.ts';

export type AuthScheme = 'basic' | 'digest';

export interface RtspCredential {
  readonly username: string;
  readonly password: string;
}

export interface ServerAuthOptions {
  readonly realm: string;
  readonly credentials: readonly RtspCredential[];
  /** Schemes offered, in preference order. Defaults to ['digest', 'basic']. */
  readonly schemes?: readonly AuthScheme[];
  /** Fresh unpredictable nonce (e.g. 16 random bytes as hex). */
  readonly nonce: () => string;
  /** Clock for nonce lifetimes, in ms. */
  readonly now: () => number;
  /** How long a Digest nonce is accepted after its challenge. Defaults to 60 000 ms. */
  readonly nonceLifetimeMs?: number;
  /** Nonces outstanding at most. Defaults to MAX_NONCES (4096). */
  readonly maxNonces?: number;
}

/**
 * What verify() (or the host's access check) decided; the handler answers 200-path, 401 (with fresh
 * challenges), 403 (credentials known but not allowed, or an address refused) or 400.
 */
export type AuthVerdict =
  | { readonly kind: 'ok'; readonly username: string }
  | { readonly kind: 'unauthorized'; readonly stale: boolean; readonly reason: string }
  | { readonly kind: 'forbidden'; readonly reason: string }
  | { readonly kind: 'bad-request'; readonly reason: string };

/** nc is 8 hex digits (RFC 7616 §3.4). */
const NC = /^[0-9a-f]{8}$/i;

export class RtspServerAuth {
  readonly #realm: string;
  readonly #schemes: readonly AuthScheme[];
  readonly #users = new Map<string, { password: string; ha1: string }>();
  readonly #nonces: NonceStore;

  constructor(options: ServerAuthOptions) {
    this.#realm = options.realm;
    this.#schemes = options.schemes ?? ['digest', 'basic'];
    this.#nonces = new NonceStore({
      now: options.now,
      newNonce: options.nonce,
      ...(options.nonceLifetimeMs === undefined ? {} : { lifetimeMs: options.nonceLifetimeMs }),
      ...(options.maxNonces === undefined ? {} : { maxNonces: options.maxNonces }),
    });
    for (const c of options.credentials) {
      this.#users.set(c.username, { password: c.password, ha1: digestHa1(c.username, this.#realm, c.password) });
    }
  }

  /** Nonces outstanding (bounded). */
  get outstandingNonces(): number {
    return this.#nonces.size;
  }

  /**
   * WWW-Authenticate values for a 401 sent on `connectionId` (one per scheme; a fresh nonce for
   * Digest). Parameter order matters to live555 (VLC): realm, nonce, then stale.
   */
  challenge(connectionId: string, stale = false): string[] {
    return this.#schemes.map((scheme) => {
      if (scheme === 'basic') return formatWwwAuthenticate({ scheme, realm: this.#realm });
      const nonce = this.#nonces.issue(connectionId);
      return formatWwwAuthenticate({ scheme, realm: this.#realm, nonce, algorithm: 'MD5', qop: 'auth', ...(stale ? { stale } : {}) });
    });
  }

  /** The connection closed: the nonces it was given die with it. */
  connectionClosed(connectionId: string): void {
    this.#nonces.connectionClosed(connectionId);
  }

  /** Checks the request's credentials, as received on `connectionId`. */
  verify(req: RtspRequest, connectionId: string): AuthVerdict {
    const header = req.headers.get('Authorization');
    if (header === undefined) return refuse('no credentials');
    let cred;
    try {
      cred = parseAuthorization(header);
    } catch (err) {
      // A malformed Authorization header is simply not valid credentials: the client gets a 401.
      if (isProtocolError(err)) return refuse('malformed Authorization');
      throw err;
    }
    if (!this.#schemes.includes(cred.scheme)) return refuse(`${cred.scheme} not offered`);
    if (cred.scheme === 'basic') {
      const decoded = decodeBasicToken(cred.token);
      const user = decoded === null ? undefined : this.#users.get(decoded.username);
      return user !== undefined && safeEqual(user.password, decoded!.password) ? { kind: 'ok', username: decoded!.username } : refuse('wrong Basic credentials');
    }
    return this.#verifyDigest(req, cred, connectionId);
  }

  #verifyDigest(req: RtspRequest, cred: DigestCredentials, connectionId: string): AuthVerdict {
    const user = this.#users.get(cred.username);
    if (user === undefined || cred.realm !== this.#realm) return refuse('unknown user or realm');
    if (cred.algorithm !== undefined && cred.algorithm.toUpperCase() !== 'MD5') return refuse(`algorithm ${cred.algorithm} not offered`);
    let nc: number | undefined;
    if (cred.qop !== undefined) {
      if (cred.qop.toLowerCase() !== 'auth') return refuse(`qop ${cred.qop} not offered`);
      if (cred.nc === undefined || !NC.test(cred.nc) || cred.cnonce === undefined || cred.cnonce === '') {
        return { kind: 'bad-request', reason: 'qop=auth without a valid nc and cnonce' };
      }
      nc = Number.parseInt(cred.nc, 16);
    }
    // RFC 7616 §3.4.6: the uri must name this request's resource, else a response captured for
    // one camera would open another.
    if (!digestUriMatches(cred.uri, req.uri, req.method)) return { kind: 'bad-request', reason: 'Digest uri does not match the request' };
    const expected = digestResponseFromHa1(user.ha1, {
      realm: cred.realm,
      nonce: cred.nonce,
      method: req.method,
      // The response is computed over the uri as the client stated it (checked above).
      uri: cred.uri,
      ...(cred.qop === undefined ? {} : { qop: cred.qop, nc: cred.nc!, cnonce: cred.cnonce! }),
    });
    if (!safeEqual(expected, cred.response.toLowerCase())) return refuse('wrong Digest response');
    const rejected = this.#nonces.check(cred.nonce, connectionId, nc);
    if (rejected === 'nc-replayed') return refuse('nonce count not increasing (replay)');
    // The password was right for a nonce we will not take here any more: stale=true (RFC 7616 §3.3).
    if (rejected !== null) return { kind: 'unauthorized', stale: true, reason: `nonce ${rejected}` };
    this.#nonces.accept(cred.nonce, nc);
    return { kind: 'ok', username: cred.username };
  }
}

function refuse(reason: string): AuthVerdict {
  return { kind: 'unauthorized', stale: false, reason };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
