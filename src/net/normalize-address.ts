/** `::ffff:127.0.0.1` -> `127.0.0.1`, so UDP sends and lookups use one form. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
