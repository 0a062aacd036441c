/**
 * A pulled camera's `source` URL: which schemes Cupola's own clients can pull, and the split of
 * user info out of the URL so the stored URL never carries a password (it becomes the write-only
 * `sourcePass`). Pure: the config model validates with it, src/sources connects with it.
 */

export const SOURCE_SCHEMES = ['rtsp', 'rtsps', 'rtmp', 'rtmps'] as const;
export type SourceScheme = (typeof SOURCE_SCHEMES)[number];

/** How an RTSP source carries RTP: 'auto' tries UDP, then TCP (interleaved) when no media comes. */
export const SOURCE_TRANSPORTS = ['auto', 'udp', 'tcp'] as const;
export type SourceTransport = (typeof SOURCE_TRANSPORTS)[number];

/** Longest `source` URL accepted (cameras' URLs with queries stay far below). */
export const MAX_SOURCE_URL_LENGTH = 2048;
/** Longest user name / password accepted for a source. */
export const MAX_SOURCE_USER_LENGTH = 128;
export const MAX_SOURCE_PASS_LENGTH = 256;

export interface ParsedSourceUrl {
  readonly scheme: SourceScheme;
  /** The URL without user info. */
  readonly url: string;
  readonly user?: string;
  readonly pass?: string;
}

/** Parses a source URL or returns what is wrong with it (no throw: the model reports it per field). */
export function parseSourceUrl(raw: string): ParsedSourceUrl | { readonly error: string } {
  if (raw.length > MAX_SOURCE_URL_LENGTH) return { error: `must be at most ${MAX_SOURCE_URL_LENGTH} characters` };
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) return { error: 'must not contain spaces or control characters' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { error: 'is not a URL' };
  }
  const scheme = url.protocol.replace(/:$/, '').toLowerCase();
  if (!(SOURCE_SCHEMES as readonly string[]).includes(scheme)) {
    return { error: `scheme "${scheme}" is not pulled; use ${SOURCE_SCHEMES.map((s) => `${s}://`).join(', ')}` };
  }
  if (url.hostname === '') return { error: 'needs a host' };
  if ((scheme === 'rtmp' || scheme === 'rtmps') && url.pathname.split('/').filter((s) => s !== '').length < 2) {
    return { error: 'an RTMP source needs rtmp://host[:port]/app/stream' };
  }
  let user: string | undefined;
  let pass: string | undefined;
  try {
    user = url.username === '' ? undefined : decodeURIComponent(url.username);
    pass = url.password === '' ? undefined : decodeURIComponent(url.password);
  } catch {
    return { error: 'has bad percent-encoding in its user info' };
  }
  if (user !== undefined && user.length > MAX_SOURCE_USER_LENGTH) return { error: `user name must be at most ${MAX_SOURCE_USER_LENGTH} characters` };
  if (pass !== undefined && pass.length > MAX_SOURCE_PASS_LENGTH) return { error: `password must be at most ${MAX_SOURCE_PASS_LENGTH} characters` };
  url.username = '';
  url.password = '';
  return { scheme: scheme as SourceScheme, url: url.toString(), ...(user !== undefined ? { user } : {}), ...(pass !== undefined ? { pass } : {}) };
}
