/** A ReaderTransport that can also carry the RTCP of each track (sender reports). */
import type { TrackKind } from '../../../protocols/media/frame.ts';
import type { ReaderTransport } from '../../streams/types.ts';

export interface RtspReaderTransport extends ReaderTransport {
  sendRtcp(track: TrackKind, packet: Buffer): void;
  /** The session ended: drop queued data and timers (the socket itself belongs to someone else). */
  release(): void;
}
