/**
 * How Cupola's own consumers of a stream say so, to be counted as readers of protocol `internal`
 * instead of viewers: the compression ffmpeg (local or on a compressor node), replication pulls and
 * dashboard snapshots identify themselves with an agent string starting with INTERNAL_AGENT_PREFIX —
 * the RTSP `User-Agent` header, the RTMP `flashVer` of `connect`. It only decides which count a
 * reader lands in (read auth applies as to anyone); `cupola probe` is a viewer.
 */
import type { ReaderProtocol } from './types.ts';

export const INTERNAL_AGENT_PREFIX = 'Cupola-internal/';

export type InternalReaderPurpose = 'compression' | 'replication' | 'snapshot';

/** The agent string one kind of internal consumer sends. */
export function internalAgent(purpose: InternalReaderPurpose): string {
  return `${INTERNAL_AGENT_PREFIX}${purpose}`;
}

/** The protocol a reader is counted under, from the protocol it plays and the agent it sent. */
export function readerProtocol(protocol: 'rtmp' | 'rtsp', agent: string | undefined): ReaderProtocol {
  return agent !== undefined && agent.startsWith(INTERNAL_AGENT_PREFIX) ? 'internal' : protocol;
}
