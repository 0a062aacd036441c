/** Public (RFC 2326 §12.28): the methods a server supports, comma-separated. */
import { ProtocolError } from '../../errors.ts';

const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function parsePublic(value: string): string[] {
  const methods = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  for (const m of methods) {
    if (!METHOD.test(m)) throw new ProtocolError('RTSP_PUBLIC_INVALID', `bad method in Public: ${JSON.stringify(m.slice(0, 50))}`);
  }
  return methods;
}

export function formatPublic(methods: readonly string[]): string {
  return methods.join(', ');
}
