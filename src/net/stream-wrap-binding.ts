/**
 * Node's `stream_wrap` binding (through `process.binding`, allowed for it on Node 20), which the
 * direct socket paths use: `handle-write.ts` (WriteWrap, kLastWriteWasAsync) and `handle-read.ts`
 * (kReadBytesOrError). Null when this Node does not expose it or exposes a different shape; the
 * callers then use the socket's own methods.
 */

/** The WriteWrap request object a handle's write methods take. */
export interface WriteReq {
  oncomplete: (this: WriteReq, status: number) => void;
  /** Keeps the buffers alive while libuv holds them (an asynchronous write). */
  buffer: readonly Buffer[] | Buffer | null;
  owner: { completed(status: number): void } | null;
}

export interface StreamWrapBinding {
  readonly WriteWrap: new () => WriteReq;
  /** Shared with the handles: what the last read or write reported. */
  readonly streamBaseState: Int32Array;
  readonly kLastWriteWasAsync: number;
  readonly kReadBytesOrError: number;
}

function load(): StreamWrapBinding | null {
  const binding = (process as unknown as { binding?: (name: string) => unknown }).binding;
  if (typeof binding !== 'function') return null;
  try {
    const b = binding.call(process, 'stream_wrap') as Partial<StreamWrapBinding>;
    if (typeof b.WriteWrap !== 'function' || !(b.streamBaseState instanceof Int32Array)) return null;
    if (typeof b.kLastWriteWasAsync !== 'number' || typeof b.kReadBytesOrError !== 'number') return null;
    return b as StreamWrapBinding;
  } catch {
    return null;
  }
}

let cached: StreamWrapBinding | null | undefined;

export function streamWrapBinding(): StreamWrapBinding | null {
  if (cached === undefined) cached = load();
  return cached;
}
