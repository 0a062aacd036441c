/**
 * A TCP proxy for fault tests, placed between two roles (master -> slave, compressor -> slave):
 * listens on an OS-chosen port and forwards each connection to a target, in a mode switchable at
 * run time. The kernel here has no netem/tbf qdiscs, so delay, bandwidth and black holes are made
 * in user space:
 *   - pass: forward as received;
 *   - delay(ms): every chunk leaves `ms` after it arrived (order kept; one-way, per direction);
 *   - throttle(bytes/s): a token bucket per direction;
 *   - stall: connections stay open (new ones are accepted) but nothing is forwarded, not even a
 *     close; what arrives is held (reading stops past a high-water mark, so TCP backpressure
 *     reaches the sender) and flows again when the mode changes;
 *   - reset(): destroys every current connection with a TCP RST on both sides.
 * Counters say what happened. Every socket is destroyed by close().
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export type FaultMode =
  | { readonly kind: 'pass' }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'throttle'; readonly bytesPerSecond: number }
  | { readonly kind: 'stall' };

export interface FaultProxyCounters {
  /** Connections accepted. */
  accepted: number;
  /** Connection pairs open now. */
  active: number;
  /** Bytes written towards the target / back to the clients. */
  bytesUp: number;
  bytesDown: number;
  /** Connections reset by reset(). */
  resets: number;
  /** Connections closed at once because no target was set. */
  refused: number;
}

/** Reading from a side stops when this much is held for the other side. */
const HIGH_WATER_BYTES = 256 * 1024;

type Item = { readonly chunk: Buffer; readonly at: number } | { readonly end: true; readonly at: number };

/** One direction of one connection: a queue drained according to the proxy's current mode. */
class Pipe {
  readonly #queue: Item[] = [];
  #queuedBytes = 0;
  #timer: NodeJS.Timeout | null = null;
  #tokens = 0;
  #tokensAt = Date.now();
  #waitingDrain = false;
  #done = false;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly mode: () => FaultMode,
    private readonly onBytes: (n: number) => void,
  ) {
    from.on('data', (chunk: Buffer) => {
      this.#queue.push({ chunk, at: Date.now() });
      this.#queuedBytes += chunk.length;
      if (this.#queuedBytes > HIGH_WATER_BYTES) from.pause();
      this.pump();
    });
    from.on('end', () => {
      this.#queue.push({ end: true, at: Date.now() });
      this.pump();
    });
    to.on('drain', () => {
      this.#waitingDrain = false;
      this.pump();
    });
  }

  /** Forwards what the mode allows now; schedules itself for the rest. */
  pump(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    while (!this.#done && !this.#waitingDrain && this.#queue.length > 0) {
      const mode = this.mode();
      const item = this.#queue[0]!;
      if (mode.kind === 'stall') return; // setMode() pumps again
      if (mode.kind === 'delay') {
        const wait = item.at + mode.ms - Date.now();
        if (wait > 0) {
          this.#timer = setTimeout(() => this.pump(), wait);
          return;
        }
      }
      if ('end' in item) {
        this.#queue.shift();
        this.#done = true;
        this.to.end();
        return;
      }
      let chunk = item.chunk;
      if (mode.kind === 'throttle') {
        const now = Date.now();
        // At most 100 ms worth of burst.
        this.#tokens = Math.min(mode.bytesPerSecond / 10, this.#tokens + ((now - this.#tokensAt) * mode.bytesPerSecond) / 1000);
        this.#tokensAt = now;
        const allowed = Math.floor(this.#tokens);
        if (allowed < 1) {
          this.#timer = setTimeout(() => this.pump(), Math.max(5, Math.ceil(1000 / mode.bytesPerSecond)));
          return;
        }
        if (chunk.length > allowed) {
          this.#queue[0] = { chunk: chunk.subarray(allowed), at: item.at };
          chunk = chunk.subarray(0, allowed);
        } else {
          this.#queue.shift();
        }
        this.#tokens -= chunk.length;
      } else {
        this.#queue.shift();
      }
      this.#queuedBytes -= chunk.length;
      this.onBytes(chunk.length);
      if (!this.to.write(chunk)) this.#waitingDrain = true;
      if (this.#queuedBytes <= HIGH_WATER_BYTES / 2 && this.from.isPaused()) this.from.resume();
    }
  }

  stop(): void {
    this.#done = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  readonly pipes: readonly Pipe[];
}

export class FaultProxy {
  readonly counters: FaultProxyCounters = { accepted: 0, active: 0, bytesUp: 0, bytesDown: 0, resets: 0, refused: 0 };
  #mode: FaultMode = { kind: 'pass' };
  #target: { host: string; port: number } | null;
  readonly #pairs = new Set<Pair>();
  readonly #server: Server;

  private constructor(server: Server, target: { host: string; port: number } | null) {
    this.#server = server;
    this.#target = target;
  }

  /**
   * Listens on `host` (default 127.0.0.1) and `port` (default 0: OS-chosen); forwards to `target`
   * (null: close connections at once).
   */
  static async start(target: { host?: string; port: number } | null, o: { host?: string; port?: number } = {}): Promise<FaultProxy> {
    const server = createServer({ allowHalfOpen: true });
    const proxy = new FaultProxy(server, target === null ? null : { host: target.host ?? '127.0.0.1', port: target.port });
    server.on('connection', (s) => proxy.#accept(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get mode(): FaultMode {
    return this.#mode;
  }

  /** Switches the mode for every connection, current and new. */
  setMode(mode: FaultMode): void {
    this.#mode = mode;
    for (const p of this.#pairs) for (const pipe of p.pipes) pipe.pump();
  }

  /** Where new connections go (null: closed at once). Current connections keep their target. */
  setTarget(target: { host?: string; port: number } | null): void {
    this.#target = target === null ? null : { host: target.host ?? '127.0.0.1', port: target.port };
  }

  /** Destroys every current connection with a TCP RST on both sides; returns how many. */
  reset(): number {
    const n = this.#pairs.size;
    for (const p of [...this.#pairs]) {
      for (const pipe of p.pipes) pipe.stop();
      p.client.resetAndDestroy();
      p.upstream.resetAndDestroy();
      this.#pairs.delete(p);
    }
    this.counters.resets += n;
    this.counters.active = this.#pairs.size;
    return n;
  }

  async close(): Promise<void> {
    for (const p of this.#pairs) {
      for (const pipe of p.pipes) pipe.stop();
      p.client.destroy();
      p.upstream.destroy();
    }
    this.#pairs.clear();
    this.counters.active = 0;
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    this.counters.accepted++;
    const target = this.#target;
    if (target === null) {
      this.counters.refused++;
      client.destroy();
      return;
    }
    client.setNoDelay(true);
    const upstream = connect({ port: target.port, host: target.host, allowHalfOpen: true });
    upstream.setNoDelay(true);
    const mode = (): FaultMode => this.#mode;
    const pair: Pair = {
      client,
      upstream,
      pipes: [
        new Pipe(client, upstream, mode, (n) => (this.counters.bytesUp += n)),
        new Pipe(upstream, client, mode, (n) => (this.counters.bytesDown += n)),
      ],
    };
    this.#pairs.add(pair);
    this.counters.active = this.#pairs.size;
    const gone = (): void => {
      if (!this.#pairs.delete(pair)) return;
      for (const pipe of pair.pipes) pipe.stop();
      this.counters.active = this.#pairs.size;
      client.destroy();
      upstream.destroy();
    };
    // Half-open sockets: an end is queued like data (a stall holds it back); a close, once both
    // sides ended, or an error (a reset) ends the pair at once.
    client.on('close', gone);
    upstream.on('close', gone);
    client.on('error', gone);
    upstream.on('error', gone);
  }
}
