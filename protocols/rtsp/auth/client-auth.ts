/**
 * Client side of RTSP authentication: remembers the server's challenge from a 401 and computes the
 * Authorization value for each following request (Digest preferred over Basic).
 */
import { formatAuthorization } from '../headers/authorization.ts';
import { parseWwwAuthenticate, type AuthChallenge } from '../headers/www-authenticate.ts';
import { encodeBasicToken } from './basic.ts';
import { computeDigestResponse } from './digest.ts';

export interface ClientCredentials {
  readonly username: string;
  readonly password: string;
}

export class RtspClientAuth {
  readonly #credentials: ClientCredentials;
  readonly #cnonce: () => string;
  #challenge: AuthChallenge | undefined;
  #nc = 0;

  /** `cnonce` is only used when the server asks for qop=auth. */
  constructor(credentials: ClientCredentials, cnonce: () => string = () => '0a4f113b') {
    this.#credentials = credentials;
    this.#cnonce = cnonce;
  }

  get hasChallenge(): boolean {
    return this.#challenge !== undefined;
  }

  /** Takes the WWW-Authenticate values of a 401; false when no supported scheme is offered. */
  onChallenge(values: readonly string[]): boolean {
    const all = parseWwwAuthenticate(values);
    const digest = all.find((c) => c.scheme === 'digest' && (c.algorithm === undefined || c.algorithm.toUpperCase() === 'MD5'));
    const chosen = digest ?? all.find((c) => c.scheme === 'basic');
    if (chosen === undefined) return false;
    this.#challenge = chosen;
    this.#nc = 0;
    return true;
  }

  /** Authorization value for a request, or undefined before any challenge. */
  authorize(method: string, uri: string): string | undefined {
    const c = this.#challenge;
    if (c === undefined) return undefined;
    const { username, password } = this.#credentials;
    if (c.scheme === 'basic') return formatAuthorization({ scheme: 'basic', token: encodeBasicToken(username, password) });
    const qop = c.qop?.split(',').map((s) => s.trim()).includes('auth') === true ? 'auth' : undefined;
    const nc = qop === undefined ? undefined : (++this.#nc).toString(16).padStart(8, '0');
    const cnonce = qop === undefined ? undefined : this.#cnonce();
    const response = computeDigestResponse({
      username,
      password,
      realm: c.realm,
      nonce: c.nonce,
      method,
      uri,
      ...(qop === undefined ? {} : { qop, nc: nc!, cnonce: cnonce! }),
    });
    return formatAuthorization({
      scheme: 'digest',
      username,
      realm: c.realm,
      nonce: c.nonce,
      uri,
      response,
      ...(c.algorithm === undefined ? {} : { algorithm: c.algorithm }),
      ...(c.opaque === undefined ? {} : { opaque: c.opaque }),
      ...(qop === undefined ? {} : { qop, nc: nc!, cnonce: cnonce! }),
    });
  }
}
