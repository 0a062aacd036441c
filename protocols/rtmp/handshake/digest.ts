/** FP9 handshake digest placement, signing and verification (HMAC-SHA256 via node:crypto). */
import { createHmac } from 'node:crypto';
import {
  DIGEST_OFFSET_MODULO,
  DIGEST_SIZE,
  HANDSHAKE_BLOCK_SIZE,
  HANDSHAKE_SIZE,
} from './handshake-constants.ts';
import type { DigestScheme } from './handshake-constants.ts';

export function hmacSha256(key: Buffer, ...data: Buffer[]): Buffer {
  const h = createHmac('sha256', key);
  for (const d of data) h.update(d);
  return h.digest();
}

/** Byte offset of the 32-byte digest inside a 1536-byte C1/S1 for the given scheme. */
export function digestOffset(packet: Buffer, scheme: DigestScheme): number {
  const block = scheme === 0 ? 8 + HANDSHAKE_BLOCK_SIZE : 8;
  const sum = packet[block]! + packet[block + 1]! + packet[block + 2]! + packet[block + 3]!;
  return block + 4 + (sum % DIGEST_OFFSET_MODULO);
}

/** HMAC of the packet without its digest bytes. */
function computeDigest(packet: Buffer, offset: number, key: Buffer): Buffer {
  return hmacSha256(key, packet.subarray(0, offset), packet.subarray(offset + DIGEST_SIZE, HANDSHAKE_SIZE));
}

/** Writes the digest into `packet` (which the caller owns) at the scheme's position. */
export function signPacket(packet: Buffer, scheme: DigestScheme, key: Buffer): Buffer {
  const offset = digestOffset(packet, scheme);
  const digest = computeDigest(packet, offset, key);
  digest.copy(packet, offset);
  return digest;
}

/** The digest if `packet` is correctly signed with `key` under either scheme, else null. */
export function findValidDigest(packet: Buffer, key: Buffer): { scheme: DigestScheme; digest: Buffer } | null {
  for (const scheme of [0, 1] as const) {
    const offset = digestOffset(packet, scheme);
    const expected = computeDigest(packet, offset, key);
    const actual = packet.subarray(offset, offset + DIGEST_SIZE);
    if (expected.equals(actual)) return { scheme, digest: Buffer.from(actual) };
  }
  return null;
}

/**
 * S2/C2 in digest form: random bytes whose last 32 bytes are HMAC(HMAC(fullKey, peerDigest),
 * first 1504 bytes). `packet` is filled in place.
 */
export function signResponse(packet: Buffer, peerDigest: Buffer, fullKey: Buffer): void {
  const key = hmacSha256(fullKey, peerDigest);
  const signature = hmacSha256(key, packet.subarray(0, HANDSHAKE_SIZE - DIGEST_SIZE));
  signature.copy(packet, HANDSHAKE_SIZE - DIGEST_SIZE);
}

export function verifyResponse(packet: Buffer, ownDigest: Buffer, fullKey: Buffer): boolean {
  const key = hmacSha256(fullKey, ownDigest);
  const signature = hmacSha256(key, packet.subarray(0, HANDSHAKE_SIZE - DIGEST_SIZE));
  return signature.equals(packet.subarray(HANDSHAKE_SIZE - DIGEST_SIZE, HANDSHAKE_SIZE));
}
