/**
 * A real auth service for the external-authentication tests (node:http on 127.0.0.1, port 0): it
 * answers each POSTed access request with the status `decide` returns, optionally after a delay,
 * and records what it was asked. Also serves a JWKS, and signs JWTs with node:crypto.
 */
import { createHmac, sign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AccessBody {
  user: string;
  password: string;
  token: string;
  ip: string;
  action: string;
  protocol: string;
  path: string;
  query: string;
}

export interface AuthService {
  readonly url: string;
  readonly requests: AccessBody[];
  /** Every answer waits this long first (ms); change it at any time. */
  delayMs: number;
  close(): Promise<void>;
}

export async function startAuthService(decide: (body: AccessBody) => number): Promise<AuthService> {
  const requests: AccessBody[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const service = {
    url: '',
    requests,
    delayMs: 0,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (s: string) => (text += s));
    req.on('end', () => {
      const body = JSON.parse(text) as AccessBody;
      requests.push(body);
      const answer = (): void => {
        res.writeHead(decide(body), { 'content-type': 'application/json' }).end('{}');
      };
      if (service.delayMs <= 0) return answer();
      const t = setTimeout(() => {
        timers.delete(t);
        answer();
      }, service.delayMs);
      timers.add(t);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  service.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth`;
  return service;
}

/** Serves `{ keys }` at /jwks.json; counts the fetches. */
export async function startJwksServer(keys: () => readonly object[]): Promise<{ url: string; fetches: () => number; close(): Promise<void> }> {
  let fetches = 0;
  const server = http.createServer((_req, res) => {
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: keys() }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
    fetches: () => fetches,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A port nothing listens on (bound then closed). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const b64 = (v: object | Buffer): string => (Buffer.isBuffer(v) ? v : Buffer.from(JSON.stringify(v))).toString('base64url');

/** A compact JWS: RS256/ES256 with a private KeyObject, HS256 with a secret string. */
export function signJwt(payload: object, alg: 'RS256' | 'ES256' | 'HS256' | 'none', key: KeyObject | string | null, kid?: string): string {
  const input = `${b64({ alg, typ: 'JWT', ...(kid !== undefined ? { kid } : {}) })}.${b64(payload)}`;
  let sig: Buffer;
  if (alg === 'none') sig = Buffer.alloc(0);
  else if (alg === 'HS256') sig = createHmac('sha256', key as string).update(input).digest();
  else if (alg === 'ES256') sig = sign('sha256', Buffer.from(input), { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
  else sig = sign('sha256', Buffer.from(input), key as KeyObject);
  return `${input}.${b64(sig)}`;
}
