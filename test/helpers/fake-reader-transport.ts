import type { ReaderTransport } from '../../src/streams/types.ts';

/** A reader transport that records what is written to it; `pending` plays the socket's backlog. */
export function fakeTransport(): ReaderTransport & { pending: number; written: Buffer[]; closedWith: string | null } {
  const t = {
    pending: 0,
    written: [] as Buffer[],
    closedWith: null as string | null,
    get pendingBytes() {
      return t.pending;
    },
    writev(bufs: readonly Buffer[]) {
      t.written.push(...bufs);
    },
    close(reason: string) {
      t.closedWith = reason;
    },
  };
  return t;
}
