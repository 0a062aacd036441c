/**
 * Removes the user:password part of every URL in a text before it leaves the node (API replies,
 * event messages, webhook bodies, logs). ffmpeg's stderr tail and pull/push URLs can carry the
 * read or push credentials of a factory; no reply needs them.
 */
const URL_USERINFO = /([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^\s/@"'\\<>]+@/g;

/** `rtsp://user:pass@host/x` -> `rtsp://***@host/x`, everywhere in `text`. */
export function redactCredentials(text: string): string {
  return text.includes('@') ? text.replace(URL_USERINFO, '$1***@') : text;
}
