/**
 * The shared grammar of WWW-Authenticate and Authorization (RFC 7235 §2.1): `scheme` followed by
 * either a token68 (Basic credentials) or comma-separated `name=value` pairs, where a value is a
 * token or a quoted-string. One WWW-Authenticate value may hold several challenges.
 */
import { ProtocolError } from '../../errors.ts';

export interface AuthItem {
  /** Scheme as sent (compare case-insensitively). */
  readonly scheme: string;
  /** Parameter names lower-cased. */
  readonly params: Readonly<Record<string, string>>;
  readonly token68?: string;
}

/** Most parameters read per challenge/credentials; more is a malformed header. */
export const MAX_AUTH_PARAMS = 32;

const TOKEN_AT = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;
const TOKEN68_ITEM = /[A-Za-z0-9\-._~+/]+=*\s*(?=,|$)/y;
const PARAM_NAME_AT = /([!#$%&'*+\-.^_`|~0-9A-Za-z]+)\s*=\s*/y;

export function parseAuthItems(value: string): AuthItem[] {
  const items: AuthItem[] = [];
  let i = 0;
  const n = value.length;
  const skip = (chars: RegExp): void => {
    while (i < n && chars.test(value[i]!)) i++;
  };
  while (true) {
    skip(/[\s,]/);
    if (i >= n) break;
    const scheme = matchAt(TOKEN_AT, value, i);
    if (scheme === null) throw invalid(value);
    i += scheme.length;
    skip(/\s/);
    const params: Record<string, string> = {};
    let token68: string | undefined;
    let count = 0;
    let first = true;
    while (i < n) {
      skip(/[\s,]/);
      if (i >= n) break;
      if (first) {
        const t68 = matchAt(TOKEN68_ITEM, value, i);
        if (t68 !== null && !/=[^=\s]/.test(t68)) {
          token68 = t68.trim();
          i += t68.length;
          first = false;
          continue;
        }
      }
      first = false;
      PARAM_NAME_AT.lastIndex = i;
      const m = PARAM_NAME_AT.exec(value);
      if (m === null) break; // a new scheme starts here
      if (++count > MAX_AUTH_PARAMS) throw invalid(value);
      i += m[0].length;
      const [v, next] = readValue(value, i);
      params[m[1]!.toLowerCase()] = v;
      i = next;
    }
    items.push(token68 === undefined ? { scheme, params } : { scheme, params, token68 });
  }
  return items;
}

/** Renders `scheme name="value", ...`; names in `bare` (like qop in credentials, nc, algorithm) are unquoted. */
export function formatAuthItem(scheme: string, params: Readonly<Record<string, string>>, bare: ReadonlySet<string> = new Set()): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    if (/["\\\r\n]/.test(v) && bare.has(k)) throw new RangeError(`unquotable auth value for ${k}`);
    parts.push(bare.has(k) ? `${k}=${v}` : `${k}="${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`);
  }
  return parts.length === 0 ? scheme : `${scheme} ${parts.join(', ')}`;
}

function readValue(s: string, i: number): [string, number] {
  if (s[i] === '"') {
    let out = '';
    let j = i + 1;
    while (j < s.length) {
      const c = s[j]!;
      if (c === '\\' && j + 1 < s.length) {
        out += s[j + 1];
        j += 2;
      } else if (c === '"') {
        return [out, j + 1];
      } else {
        out += c;
        j++;
      }
    }
    throw invalid(s);
  }
  let j = i;
  while (j < s.length && s[j] !== ',') j++;
  return [s.slice(i, j).trim(), j];
}

function matchAt(re: RegExp, s: string, i: number): string | null {
  re.lastIndex = i;
  const m = re.exec(s);
  return m === null ? null : m[0];
}

function invalid(value: string): ProtocolError {
  return new ProtocolError('RTSP_AUTH_HEADER_INVALID', `bad authentication header: ${JSON.stringify(value.slice(0, 200))}`);
}
