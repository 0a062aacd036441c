/**
 * Stream names and app names with query strings, as publishers send them:
 * `rtmp://host/site1/cam1?key=SECRET` gives app `site1` and stream name `cam1?key=SECRET`;
 * some encoders put the query on the app (`site1?key=SECRET`) instead.
 */

export interface NameWithQuery {
  readonly name: string;
  readonly query: Readonly<Record<string, string>>;
}

/** Longest app or stream name accepted (with its query). */
export const MAX_NAME_LENGTH = 1024;

export function splitQuery(raw: string): NameWithQuery {
  const q = raw.indexOf('?');
  const name = (q < 0 ? raw : raw.slice(0, q)).replace(/^\/+|\/+$/g, '');
  const query: Record<string, string> = {};
  if (q >= 0) {
    for (const [k, v] of new URLSearchParams(raw.slice(q + 1))) {
      if (!(k in query)) query[k] = v;
    }
  }
  return { name, query };
}

/** The registry path of a stream: `app/streamName`, both without queries or edge slashes. */
export function streamPath(app: string, streamName: string): string {
  return `${app}/${streamName}`;
}
