/**
 * Masks a pulled camera's credentials in a text before it reaches a log line, the API or an event:
 * URL user info as the API's redactCredentials does, plus the bare password (raw and
 * percent-encoded), which a server or client error may echo outside a URL.
 */
import { redactCredentials } from '../core/redact-credentials.ts';

/** Passwords shorter than this are not searched for alone (masking "a" would mangle every text). */
const MIN_MASKED_SECRET_LENGTH = 3;

export function maskSecret(text: string, secret: string | undefined): string {
  let out = redactCredentials(text);
  if (secret !== undefined && secret.length >= MIN_MASKED_SECRET_LENGTH) {
    for (const s of new Set([secret, encodeURIComponent(secret)])) out = out.split(s).join('***');
  }
  return out;
}
