/** rtsp:// request URLs: the parts servers route on and clients connect to. */
import { ProtocolError } from '../../errors.ts';

export const DEFAULT_RTSP_PORT = 554;
/** rtsps:// default port (RFC 7826 §19.2). */
export const DEFAULT_RTSPS_PORT = 322;

export interface RtspUrl {
  readonly host: string;
  readonly port: number;
  /** Path without leading or trailing slash, percent-decoded: `site1/cam1/trackID=0`. */
  readonly path: string;
  /** Query without `?`, or ''. */
  readonly query: string;
  readonly username?: string;
  readonly password?: string;
  /** rtsps:// (RTSP over TLS). */
  readonly secure: boolean;
}

export function parseRtspUrl(uri: string): RtspUrl {
  let url: URL;
  try {
    url = new URL(uri);
  } catch (err) {
    throw new ProtocolError('RTSP_URL_INVALID', `bad URL ${JSON.stringify(uri.slice(0, 200))}`, { cause: err });
  }
  if (url.protocol !== 'rtsp:' && url.protocol !== 'rtsps:') {
    throw new ProtocolError('RTSP_URL_INVALID', `not an rtsp:// URL: ${JSON.stringify(uri.slice(0, 200))}`);
  }
  let path: string;
  try {
    path = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
  } catch (err) {
    throw new ProtocolError('RTSP_URL_INVALID', `bad percent-encoding in ${JSON.stringify(uri.slice(0, 200))}`, { cause: err });
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let query = url.search.replace(/^\?/, '');
  // Clients (ffmpeg among them) build track URLs by appending `/<control>` to the whole URL, query
  // included: `rtsp://h/site/cam?key=k/streamid=0`. What follows the query's first '/' is path.
  const slash = query.indexOf('/');
  if (slash >= 0) {
    const tail = query.slice(slash + 1).replace(/^\/+|\/+$/g, '');
    query = query.slice(0, slash);
    try {
      if (tail !== '') path = path === '' ? decodeURIComponent(tail) : `${path}/${decodeURIComponent(tail)}`;
    } catch (err) {
      throw new ProtocolError('RTSP_URL_INVALID', `bad percent-encoding in ${JSON.stringify(uri.slice(0, 200))}`, { cause: err });
    }
  }
  return {
    host,
    port: url.port !== '' ? Number(url.port) : url.protocol === 'rtsps:' ? DEFAULT_RTSPS_PORT : DEFAULT_RTSP_PORT,
    path,
    query,
    secure: url.protocol === 'rtsps:',
    ...(url.username === '' ? {} : { username: decodeURIComponent(url.username) }),
    ...(url.password === '' ? {} : { password: decodeURIComponent(url.password) }),
  };
}

/** The URL without user info (credentials must not travel in request lines). */
export function stripCredentials(uri: string): string {
  return uri.replace(/^(rtsps?:\/\/)[^@/]*@/i, '$1');
}
