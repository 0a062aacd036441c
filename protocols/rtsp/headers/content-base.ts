/**
 * The base URL a DESCRIBE response's SDP control attributes are relative to (RFC 2326 §C.1.1):
 * Content-Base, else Content-Location, else the request URL. Camera quirk: some servers send a
 * relative Content-Base (`/live/ch0/`, `ch0/`); it is resolved against the request URL as a URI
 * reference (RFC 3986 §5.2) instead of being used as the SETUP URL as is.
 */
import type { RtspHeaders } from '../message/rtsp-headers.ts';

const ABSOLUTE = /^[a-z][a-z0-9+.-]*:\/\//i;

export function contentBase(responseHeaders: RtspHeaders, requestUrl: string): string {
  const raw = (responseHeaders.get('Content-Base') ?? responseHeaders.get('Content-Location'))?.trim();
  if (raw === undefined || raw === '') return requestUrl;
  if (ABSOLUTE.test(raw)) return raw;
  try {
    return new URL(raw, requestUrl).toString();
  } catch {
    // Not resolvable (a base with a bad character): the request URL is the best base left.
    return requestUrl;
  }
}
