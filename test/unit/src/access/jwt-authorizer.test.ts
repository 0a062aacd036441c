/**
 * The jwt backend with keys generated at test time: RS256 and ES256 through a JWKS served by a
 * local HTTP server, HS256 with a static secret, a static PEM key; permissions, paths, expiry and
 * the refusals an attacker would try (alg none, an RSA public key used as an HMAC secret, a tampered
 * payload, an unknown kid).
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { after, describe, it } from 'node:test';
import type { AccessRequest } from '../../../../src/access/access-request.ts';
import { JwtAuthorizer, type JwtAuthorizerOptions } from '../../../../src/access/jwt/jwt-authorizer.ts';
import { pathMatches } from '../../../../src/access/jwt/path-pattern.ts';
import { silentLogger } from '../../../../src/log/logger.ts';
import { signJwt, startJwksServer } from '../../../helpers/auth-service.ts';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa2 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = (k: KeyObject, kid: string): object => ({ ...k.export({ format: 'jwk' }), kid, use: 'sig' });
let published: object[] = [jwk(rsa.publicKey, 'r1'), jwk(ec.publicKey, 'e1')];
const jwks = await startJwksServer(() => published);
after(() => jwks.close());

const NOW = 1_800_000_000_000;
const base: Omit<JwtAuthorizerOptions, 'jwksUrl'> = { claim: 'cupola_permissions', clockSkewSec: 30, jwksTimeoutMs: 2000, jwksMaxAgeMs: 600_000, jwksMinRefreshMs: 10_000, now: () => NOW };
const READ: AccessRequest = { action: 'read', protocol: 'rtsp', path: 'site1/cam1', ip: '127.0.0.1' };
const claims = (perms: object[], extra: object = {}): object => ({ sub: 'viewer', exp: NOW / 1000 + 60, cupola_permissions: perms, ...extra });

describe('JwtAuthorizer (auth.method jwt)', () => {
  it('path patterns: exact, * within a segment, ** across', () => {
    assert.ok(pathMatches('site1/*', 'site1/cam1'));
    assert.ok(!pathMatches('site1/*', 'site2/cam1'));
    assert.ok(!pathMatches('site1/*', 'site1/cam1/x'));
    assert.ok(pathMatches('*/cam1', 'site9/cam1'));
    assert.ok(pathMatches('/api/v1/**', '/api/v1/cameras/site1/cam1/urls'));
    assert.ok(!pathMatches('site1.cam', 'site1xcam'), 'a dot is a dot');
  });

  it('allows a token signed by a JWKS key (RS256, ES256) whose claim names the action and path; the token may be the password', async () => {
    const a = new JwtAuthorizer({ ...base, jwksUrl: jwks.url }, silentLogger);
    const rs = signJwt(claims([{ action: 'read', path: 'site1/*' }]), 'RS256', rsa.privateKey, 'r1');
    assert.deepEqual(await a.authorize({ ...READ, token: rs }), { allowed: true, user: 'viewer' });
    const es = signJwt(claims([{ action: 'read' }]), 'ES256', ec.privateKey, 'e1');
    assert.ok((await a.authorize({ ...READ, user: 'x', password: es })).allowed, 'token in the password field');
    assert.equal(a.jwksFetches, 1, 'the JWKS is cached');
  });

  it('refuses a token whose path claim does not match (403), or that names another action', async () => {
    const a = new JwtAuthorizer({ ...base, jwksUrl: jwks.url }, silentLogger);
    const t = signJwt(claims([{ action: 'read', path: 'site2/*' }, { action: 'publish', path: 'site1/cam1' }]), 'RS256', rsa.privateKey, 'r1');
    const v = await a.authorize({ ...READ, token: t });
    assert.equal(!v.allowed && v.reason, 'forbidden');
    assert.match(!v.allowed ? v.message : '', /does not allow read on "site1\/cam1"/);
    assert.ok((await a.authorize({ ...READ, action: 'publish', token: t })).allowed);
    assert.equal((await a.authorize({ ...READ, action: 'api', path: '/api/v1/streams', token: t })).allowed, false);
  });

  it('refuses expired, not-yet-valid, tampered, unsigned and confused tokens as bad credentials (401)', async () => {
    const a = new JwtAuthorizer({ ...base, jwksUrl: jwks.url, key: rsa.publicKey.export({ format: 'pem', type: 'spki' }).toString() }, silentLogger);
    const perms = [{ action: 'read' }];
    const reason = async (token: string): Promise<string> => {
      const v = await a.authorize({ ...READ, token });
      return v.allowed ? 'allowed' : `${v.reason}: ${v.message}`;
    };
    assert.match(await reason(signJwt(claims(perms, { exp: NOW / 1000 - 31 }), 'RS256', rsa.privateKey, 'r1')), /credentials: invalid token: expired/);
    assert.equal(await reason(signJwt(claims(perms, { exp: NOW / 1000 - 20 }), 'RS256', rsa.privateKey, 'r1')), 'allowed', 'within the clock skew');
    assert.match(await reason(signJwt(claims(perms, { nbf: NOW / 1000 + 120 }), 'RS256', rsa.privateKey, 'r1')), /not valid yet/);
    const good = signJwt(claims(perms), 'RS256', rsa.privateKey, 'r1');
    const [h, , s] = good.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify(claims([{ action: 'read' }, { action: 'api' }]))).toString('base64url')}.${s}`;
    assert.match(await reason(forged), /bad signature/);
    assert.match(await reason(signJwt(claims(perms), 'none', null)), /algorithm none is not accepted/);
    // The classic confusion: HS256 "signed" with the server's RSA public key as the secret.
    const pem = rsa.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    assert.match(await reason(signJwt(claims(perms), 'HS256', pem)), /HS256 is not accepted/);
    assert.match(await reason('not.a.jwt'), /credentials/);
    assert.match(await reason(''), /no token/);
    assert.match(await reason(signJwt(claims(perms), 'RS256', rsa2.privateKey, 'r1')), /bad signature/, 'another key under a known kid');
  });

  it('refetches the JWKS for an unknown kid (key rotation), at most once per jwksMinRefreshMs', async () => {
    let t = NOW;
    const a = new JwtAuthorizer({ ...base, jwksUrl: jwks.url, now: () => t }, silentLogger);
    const before = jwks.fetches();
    const rotated = signJwt(claims([{ action: 'read' }], { exp: NOW / 1000 + 3600 }), 'RS256', rsa2.privateKey, 'r2');
    assert.equal((await a.authorize({ ...READ, token: rotated })).allowed, false, 'r2 not published yet');
    published = [...published, jwk(rsa2.publicKey, 'r2')];
    t += 1000;
    for (let i = 0; i < 5; i++) assert.equal((await a.authorize({ ...READ, token: signJwt(claims([{ action: 'read' }]), 'RS256', rsa2.privateKey, `made-up-${i}`) })).allowed, false);
    assert.equal(jwks.fetches() - before, 1, 'unknown kids within jwksMinRefreshMs cost no fetch');
    t += 10_001;
    assert.ok((await a.authorize({ ...READ, token: rotated })).allowed, 'the rotated key is picked up');
    assert.equal(jwks.fetches() - before, 2);
  });

  it('HS256 with a static secret; issuer and audience when configured', async () => {
    const secret = 'a-shared-secret-of-at-least-32-characters';
    const a = new JwtAuthorizer({ ...base, secret, issuer: 'https://idp.example', audience: 'cupola' }, silentLogger);
    const ok = signJwt(claims([{ action: 'api' }], { iss: 'https://idp.example', aud: ['cupola', 'other'] }), 'HS256', secret);
    assert.ok((await a.authorize({ ...READ, action: 'api', path: '/api/v1/streams', token: ok })).allowed);
    const wrongIss = signJwt(claims([{ action: 'api' }], { iss: 'https://evil.example', aud: 'cupola' }), 'HS256', secret);
    assert.equal((await a.authorize({ ...READ, action: 'api', token: wrongIss })).allowed, false);
    const wrongSecret = signJwt(claims([{ action: 'api' }], { iss: 'https://idp.example', aud: 'cupola' }), 'HS256', `${secret}x`);
    assert.equal((await a.authorize({ ...READ, action: 'api', token: wrongSecret })).allowed, false);
  });
});
