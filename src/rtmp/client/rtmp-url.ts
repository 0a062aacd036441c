/**
 * rtmp:// and rtmps:// URLs as clients use them: `rtmp://host[:port]/app/stream[?query]`. The app is the first
 * path segment and the stream name the rest (with the query, where publish keys live); Cupola's
 * server joins them back as the stream path, so any split names the same stream.
 */

export const DEFAULT_RTMP_PORT = 1935;
/** rtmps:// default port (RTMP over TLS, as Facebook/YouTube ingest and nginx stunnel set-ups use). */
export const DEFAULT_RTMPS_PORT = 443;

export interface RtmpUrl {
  readonly host: string;
  readonly port: number;
  readonly app: string;
  /** Stream name including `?query`. */
  readonly streamName: string;
  /** `rtmp://host:port/app`, sent in connect. */
  readonly tcUrl: string;
  /** rtmps:// (RTMP over TLS). */
  readonly secure: boolean;
}

export function parseRtmpUrl(raw: string): RtmpUrl {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (err) {
    throw new Error(`invalid RTMP URL: ${raw}`, { cause: err });
  }
  if (url.protocol !== 'rtmp:' && url.protocol !== 'rtmps:') throw new Error(`not an rtmp:// URL: ${raw}`);
  const secure = url.protocol === 'rtmps:';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port !== '' ? Number(url.port) : secure ? DEFAULT_RTMPS_PORT : DEFAULT_RTMP_PORT;
  const segments = decodeURIComponent(url.pathname).split('/').filter((s) => s.length > 0);
  if (segments.length < 2) throw new Error(`RTMP URL needs /app/stream: ${raw}`);
  const app = segments[0]!;
  const streamName = segments.slice(1).join('/') + url.search;
  const hostPart = url.hostname.includes(':') && !url.hostname.startsWith('[') ? `[${url.hostname}]` : url.hostname;
  return { host, port, app, streamName, tcUrl: `${secure ? 'rtmps' : 'rtmp'}://${hostPart}:${port}/${app}`, secure };
}
