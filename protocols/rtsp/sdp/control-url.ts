/**
 * `a=control` (RFC 2326 §C.1.1): absolute or relative to the base URL (Content-Base of DESCRIBE).
 * `*` means the base itself. Relative values are joined with one `/` rather than resolved as RFC
 * 3986 references: cameras send bases without a trailing slash (`rtsp://h/ch1` + `trackID=1`) and
 * clients (ffmpeg, VLC, gortsplib) all expect `rtsp://h/ch1/trackID=1`.
 */
import { getAttribute, type SdpMedia, type SessionDescription } from './session-description.ts';

export function resolveControl(base: string, control: string | undefined): string {
  if (control === undefined || control === '' || control === '*') return base;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(control)) return control;
  // Camera quirk: a control that is only a query (`?ctype=video`) is appended to the base as is.
  if (control.startsWith('?')) return `${base}${control}`;
  if (control.startsWith('/')) {
    const m = /^([a-z][a-z0-9+.-]*:\/\/[^/]*)/i.exec(base);
    return m === null ? control : `${m[1]}${control}`;
  }
  return base.endsWith('/') ? `${base}${control}` : `${base}/${control}`;
}

export function sessionControl(sdp: SessionDescription): string | undefined {
  return getAttribute(sdp.attributes, 'control');
}

export function mediaControl(media: SdpMedia): string | undefined {
  return getAttribute(media.attributes, 'control');
}

/** The URL to SETUP for each media section, given the DESCRIBE base URL. */
export function mediaUrls(sdp: SessionDescription, base: string): string[] {
  const aggregate = resolveControl(base, sessionControl(sdp));
  return sdp.media.map((m) => resolveControl(aggregate, mediaControl(m)));
}
