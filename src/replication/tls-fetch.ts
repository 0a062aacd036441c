/**
 * A `fetch` for an upstream's HTTPS API that trusts what its settings say (node.upstreams[].tlsCaFile,
 * tlsInsecure). Node's global fetch takes no CA or verification option, so requests to such an
 * upstream go through node:https; everything else keeps the global fetch. Only what the upstream
 * watch uses is supported: GET with headers and an abort signal, the answer as a Response.
 */
import https from 'node:https';
import type { ClientTls } from '../net/client-socket.ts';
import tls from 'node:tls';

/** Largest API answer read (the stream listing of a big site is well under this). */
export const MAX_UPSTREAM_ANSWER_BYTES = 16 * 1024 * 1024;

export function fetchTrusting(trust: ClientTls): typeof fetch {
  const agent = new https.Agent({
    keepAlive: true,
    ...(trust.ca !== undefined ? { ca: [...tls.rootCertificates, trust.ca.toString()] } : {}),
    rejectUnauthorized: trust.rejectUnauthorized ?? true,
  });
  const tlsFetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : input.toString());
      if (url.protocol !== 'https:') {
        fetch(input, init).then(resolve, reject);
        return;
      }
      const headers: Record<string, string> = {};
      new Headers(init?.headers).forEach((v, k) => (headers[k] = v));
      const req = https.request(url, { method: init?.method ?? 'GET', headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_UPSTREAM_ANSWER_BYTES) req.destroy(new Error(`answer larger than ${MAX_UPSTREAM_ANSWER_BYTES} bytes`));
          else chunks.push(c);
        });
        res.on('end', () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
          resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 502, headers: h }));
        });
        res.on('error', reject);
      });
      const signal = init?.signal;
      if (signal) {
        if (signal.aborted) req.destroy(new Error('aborted'));
        else signal.addEventListener('abort', () => req.destroy(new Error('aborted')), { once: true });
      }
      req.on('error', reject);
      req.end();
    });
  return tlsFetch as typeof fetch;
}

/** The fetch for an upstream: trusting its CA / skipping verification when told, else the global one. */
export function fetchFor(trust: ClientTls | undefined): typeof fetch {
  return trust === undefined ? fetch : fetchTrusting(trust);
}
