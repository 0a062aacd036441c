/** Stream paths are `site/camera`: 1 to 3 segments of safe characters. */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const MAX_PATH_SEGMENTS = 3;

/** Normalises a path (trims slashes) or returns null when it is not a valid stream path. */
export function normalizeStreamPath(raw: string): string | null {
  const trimmed = raw.replace(/^\/+|\/+$/g, '');
  if (trimmed.length === 0 || trimmed.length > 200) return null;
  const parts = trimmed.split('/');
  if (parts.length > MAX_PATH_SEGMENTS) return null;
  for (const p of parts) if (!SEGMENT.test(p)) return null;
  return parts.join('/');
}
