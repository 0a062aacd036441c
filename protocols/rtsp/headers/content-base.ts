/**
 * The base URL a DESCRIBE response's SDP control attributes are relative to (RFC 2326 §C.1.1):
 * Content-Base, else Content-Location, else the request URL.
 */
import type { RtspHeaders } from '../message/rtsp-headers.ts';

export function contentBase(responseHeaders: RtspHeaders, requestUrl: string): string {
  const base = responseHeaders.get('Content-Base') ?? responseHeaders.get('Content-Location');
  return base !== undefined && base.trim() !== '' ? base.trim() : requestUrl;
}
