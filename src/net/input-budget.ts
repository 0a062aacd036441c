/**
 * The node's budget for buffered input: what every connection's parser holds (unparsed bytes,
 * partial RTMP messages, a half-received RTSP request), per connection and in total across all
 * listeners. A connection over its own cap is closed; when the total is over, the connections
 * holding the most are closed, unauthorised ones first, until the total is back under it. Only
 * those connections are affected; everyone else's bytes stay where they are.
 *
 * Connections report what they hold after each socket read (`update`), so the overshoot is at
 * most one read (64 KiB) per connection.
 */

export interface InputBudgetLimits {
  /** Buffered input of all connections together at most (bytes). */
  readonly maxTotalBytes: number;
  /** Buffered input of one authorised connection at most (bytes). */
  readonly maxConnectionBytes: number;
  /** Buffered input of one connection that is not authorised yet at most (bytes). */
  readonly maxUnauthorisedBytes: number;
}

/** Defaults of the `limits` settings: 256 MiB in total, 16 MiB per connection, 256 KiB before authorisation. */
export const DEFAULT_INPUT_BUDGET: InputBudgetLimits = Object.freeze({
  maxTotalBytes: 256 * 1024 * 1024,
  maxConnectionBytes: 16 * 1024 * 1024,
  maxUnauthorisedBytes: 256 * 1024,
});

/** Why a connection was closed by the budget. */
export type InputBudgetReason = 'connection-budget' | 'input-budget';

export class InputAccount {
  readonly #budget: InputBudget;
  readonly #close: (reason: InputBudgetReason) => void;
  #bytes = 0;
  #authorised = false;
  #closed = false;

  constructor(budget: InputBudget, close: (reason: InputBudgetReason) => void) {
    this.#budget = budget;
    this.#close = close;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get authorised(): boolean {
    return this.#authorised;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The connection passed publish/play authorisation: the larger per-connection cap applies. */
  authorise(): void {
    this.#authorised = true;
  }

  /**
   * Records what the connection holds now and enforces the caps. Returns false when this
   * connection was closed for it (its close callback has run).
   */
  update(bytes: number): boolean {
    if (this.#closed) return false;
    this.#budget.adjust(bytes - this.#bytes);
    this.#bytes = bytes;
    const limits = this.#budget.limits;
    if (bytes > (this.#authorised ? limits.maxConnectionBytes : limits.maxUnauthorisedBytes)) {
      this.shed('connection-budget');
      return false;
    }
    this.#budget.enforceTotal();
    return !this.#closed;
  }

  /** The connection is gone: its bytes leave the total (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#budget.forget(this);
  }

  /** Closes the connection for the budget (its bytes are released at once). */
  shed(reason: InputBudgetReason): void {
    if (this.#closed) return;
    this.close();
    this.#budget.closedFor[reason]++;
    this.#close(reason);
  }
}

export class InputBudget {
  readonly limits: InputBudgetLimits;
  readonly #accounts = new Set<InputAccount>();
  #total = 0;
  #peak = 0;
  /** Connections closed by this budget, by reason. */
  readonly closedFor: Record<InputBudgetReason, number> = { 'connection-budget': 0, 'input-budget': 0 };

  constructor(limits: InputBudgetLimits) {
    this.limits = limits;
  }

  /** Bytes buffered now across all connections. */
  get totalBytes(): number {
    return this.#total;
  }

  /** Highest total seen. */
  get peakBytes(): number {
    return this.#peak;
  }

  /** A new connection's account; `close` closes that connection. */
  open(close: (reason: InputBudgetReason) => void): InputAccount {
    const account = new InputAccount(this, close);
    this.#accounts.add(account);
    return account;
  }

  /** @internal */
  adjust(delta: number): void {
    this.#total += delta;
    if (this.#total > this.#peak) this.#peak = this.#total;
  }

  /** @internal */
  forget(account: InputAccount): void {
    if (!this.#accounts.delete(account)) return;
    this.#total -= account.bytes;
  }

  /** @internal Closes the largest holders, unauthorised first, until the total fits. */
  enforceTotal(): void {
    while (this.#total > this.limits.maxTotalBytes) {
      let victim: InputAccount | undefined;
      for (const a of this.#accounts) {
        if (a.bytes === 0) continue;
        if (victim === undefined || (victim.authorised && !a.authorised) || (victim.authorised === a.authorised && a.bytes > victim.bytes)) victim = a;
      }
      if (victim === undefined) return;
      victim.shed('input-budget');
    }
  }
}
