/**
 * Server side of RTSP authentication: builds Basic/Digest challenges and verifies a request's
 * Authorization header. Pure: nonces come from an injected source; the nonces handed out are
 * remembered (a bounded FIFO) so a Digest answer must use one this server issued.
 */
import { timingSafeEqual } from 'node:crypto';
import { isProtocolError } from '../../errors.ts';
import { parseAuthorization } from '../headers/authorization.ts';
import { formatWwwAuthenticate } from '../headers/www-authenticate.ts';
import type { RtspRequest } from '../message/rtsp-message.ts';
import { decodeBasicToken } from './basic.ts';
import { digestHa1, digestResponseFromHa1 } from './digest.ts';

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
  /** Nonces remembered for verification. Defaults to 1024. */
  readonly maxNonces?: number;
}

export class RtspServerAuth {
  readonly #realm: string;
  readonly #schemes: readonly AuthScheme[];
  readonly #users = new Map<string, { password: string; ha1: string }>();
  readonly #nonceSource: () => string;
  readonly #maxNonces: number;
  readonly #nonces = new Set<string>();

  constructor(options: ServerAuthOptions) {
    this.#realm = options.realm;
    this.#schemes = options.schemes ?? ['digest', 'basic'];
    this.#nonceSource = options.nonce;
    this.#maxNonces = options.maxNonces ?? 1024;
    for (const c of options.credentials) {
      this.#users.set(c.username, { password: c.password, ha1: digestHa1(c.username, this.#realm, c.password) });
    }
  }

  /** WWW-Authenticate values for a 401 response (one per scheme; a fresh nonce for Digest). */
  challenge(): string[] {
    return this.#schemes.map((scheme) => {
      if (scheme === 'basic') return formatWwwAuthenticate({ scheme, realm: this.#realm });
      const nonce = this.#nonceSource();
      this.#nonces.add(nonce);
      if (this.#nonces.size > this.#maxNonces) this.#nonces.delete(this.#nonces.values().next().value!);
      return formatWwwAuthenticate({ scheme, realm: this.#realm, nonce });
    });
  }

  /** True when the request carries valid credentials in one of the offered schemes. */
  verify(req: RtspRequest): boolean {
    const header = req.headers.get('Authorization');
    if (header === undefined) return false;
    let cred;
    try {
      cred = parseAuthorization(header);
    } catch (err) {
      // A malformed Authorization header is simply not valid credentials: the client gets a 401.
      if (isProtocolError(err)) return false;
      throw err;
    }
    if (!this.#schemes.includes(cred.scheme)) return false;
    if (cred.scheme === 'basic') {
      const decoded = decodeBasicToken(cred.token);
      const user = decoded === null ? undefined : this.#users.get(decoded.username);
      return user !== undefined && safeEqual(user.password, decoded!.password);
    }
    const user = this.#users.get(cred.username);
    if (user === undefined || cred.realm !== this.#realm || !this.#nonces.has(cred.nonce)) return false;
    const expected = digestResponseFromHa1(user.ha1, {
      realm: cred.realm,
      nonce: cred.nonce,
      method: req.method,
      // Clients disagree on the exact uri form (with or without the track suffix, trailing slash);
      // the response must be computed over the uri the client states, which binds it to the method.
      uri: cred.uri,
      ...(cred.qop === undefined ? {} : { qop: cred.qop }),
      ...(cred.nc === undefined ? {} : { nc: cred.nc }),
      ...(cred.cnonce === undefined ? {} : { cnonce: cred.cnonce }),
    });
    return safeEqual(expected, cred.response.toLowerCase());
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
