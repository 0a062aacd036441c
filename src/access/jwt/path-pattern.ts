/**
 * Path patterns of JWT permissions: `site1/cam1` exactly, `*` any run of characters but `/` (one
 * segment: `site1/*`, `*\/cam1`), `**` any run including `/` (`/api/v1/**`).
 */
export function pathMatches(pattern: string, path: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else re += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`).test(path);
}
