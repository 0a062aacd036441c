/**
 * A small client of a running server's API, for the CLI subcommands (and the master's view of a
 * slave). Errors carry the HTTP status and the server's field errors.
 */
import type { ConfigIssue } from '../../config/schema-kit.ts';

export class ApiClientError extends Error {
  override readonly name = 'ApiClientError';
  constructor(
    readonly status: number,
    message: string,
    readonly fields: readonly ConfigIssue[] = [],
  ) {
    super(message);
  }
}

export interface ApiClientOptions {
  /** Base URL such as http://127.0.0.1:8080. */
  readonly baseUrl: string;
  readonly token?: string;
  /** Per-request timeout (ms). Defaults to 10000. */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

export class ApiClient {
  #base: string;
  #token: string | undefined;
  #timeoutMs: number;
  #fetch: typeof fetch;

  constructor(options: ApiClientOptions) {
    this.#base = options.baseUrl.replace(/\/+$/, '');
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#token !== undefined && this.#token !== '') headers['authorization'] = `Bearer ${this.#token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.#fetch(`${this.#base}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
      throw new ApiClientError(0, `cannot reach ${this.#base}: ${cause}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new ApiClientError(res.status, `${method} ${path}: HTTP ${res.status} with a body that is not JSON`);
    }
    if (!res.ok) {
      const e = (json as { error?: { message?: string; fields?: ConfigIssue[] } } | undefined)?.error;
      throw new ApiClientError(res.status, e?.message ?? `${method} ${path}: HTTP ${res.status}`, e?.fields ?? []);
    }
    return json as T;
  }
}
