/**
 * RTMP handshake layout (Adobe RTMP spec §5.2) and the FP9 "digest" form used by Flash Player 9+
 * and ffmpeg. The keys are the well-known public constants of that handshake: the client's is
 * "Genuine Adobe Flash Player 001" + 32 bytes, the server's "Genuine Adobe Flash Media Server 001"
 * + the same 32 bytes; only their text prefixes are used to sign C1/S1.
 */

export const RTMP_VERSION = 3;
/** C1, S1, C2, S2 are each 1536 bytes. */
export const HANDSHAKE_SIZE = 1536;
/** HMAC-SHA256 digest length. */
export const DIGEST_SIZE = 32;
/** Each of the two 764-byte halves after time + version holds either the key or the digest. */
export const HANDSHAKE_BLOCK_SIZE = 764;
/** Offset of the digest inside a block: sum of its first 4 bytes modulo 728, plus 4. */
export const DIGEST_OFFSET_MODULO = 728;

const SHARED_TAIL = Buffer.from(
  'f0eec24a8068bee82e00d0d1029e7e576eec5d2d29806fab93b8e636cfeb31ae',
  'hex',
);

/** "Genuine Adobe Flash Player 001" + 32 bytes (62 bytes). */
export const FP_KEY = Buffer.concat([Buffer.from('Genuine Adobe Flash Player 001', 'latin1'), SHARED_TAIL]);
/** "Genuine Adobe Flash Media Server 001" + 32 bytes (68 bytes). */
export const FMS_KEY = Buffer.concat([Buffer.from('Genuine Adobe Flash Media Server 001', 'latin1'), SHARED_TAIL]);
/** C1 digests are signed with the text part of the client key only. */
export const FP_KEY_TEXT_LENGTH = 30;
/** S1 digests are signed with the text part of the server key only. */
export const FMS_KEY_TEXT_LENGTH = 36;

/** The version field we write in a digest-form C1 (Flash Player 9.0.124.2 style, as ffmpeg). */
export const CLIENT_DIGEST_VERSION = 0x80000702;
/** The version field we write in a digest-form S1 (FMS 3.5 style). */
export const SERVER_DIGEST_VERSION = 0x04050001;

/** Where the digest block starts: scheme 0 puts the key first, scheme 1 the digest first. */
export type DigestScheme = 0 | 1;
