/**
 * Does a Digest `uri` parameter name the resource of the request it came with (RFC 7616 §3.4.6,
 * RFC 2617 §3.2.2.5)? Without this check a response computed for one camera's URL opens another's.
 *
 * Clients state the uri in different forms, so both sides are reduced to the path (percent-decoded,
 * no slashes at the ends, no query, user info and host ignored): ffmpeg, GStreamer and VLC send the
 * absolute request URL, some cameras' clients only its path (`/site1/cam1`). For SETUP the uri may
 * also be the stream's URL while the request names one of its tracks (`…/site1/cam1/trackID=0`).
 */
import { isProtocolError } from '../../errors.ts';
import { parseRtspUrl } from '../headers/rtsp-url.ts';

/** Path of an absolute rtsp:// URL or of an absolute path; null when it is neither. */
export function digestUriPath(uri: string): string | null {
  const absolute = /^rtsps?:\/\//i.test(uri) ? uri : uri.startsWith('/') ? `rtsp://h${uri}` : null;
  if (absolute === null) return null;
  try {
    return parseRtspUrl(absolute).path;
  } catch (err) {
    // An unparsable uri names no resource of ours: the caller refuses it.
    if (isProtocolError(err)) return null;
    throw err;
  }
}

export function digestUriMatches(digestUri: string, requestUri: string, method: string): boolean {
  if (digestUri === '*' || requestUri === '*') return digestUri === requestUri;
  const stated = digestUriPath(digestUri);
  const requested = digestUriPath(requestUri);
  if (stated === null || requested === null) return false;
  if (stated === requested) return true;
  // SETUP of one track authenticated with the stream's own URL: one more path segment, no deeper.
  if (method !== 'SETUP' || stated === '' || !requested.startsWith(`${stated}/`)) return false;
  return !requested.slice(stated.length + 1).includes('/');
}
