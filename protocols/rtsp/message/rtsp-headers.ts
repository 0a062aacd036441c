/**
 * Header fields of one RTSP message, in wire order. Names compare case-insensitively (RFC 2326
 * §4.2, as HTTP); a message carries a few dozen fields at most, so lookups scan a small array.
 */
export type RtspHeaderInit = RtspHeaders | Iterable<readonly [string, string]> | Record<string, string>;

export class RtspHeaders {
  #fields: [name: string, value: string][] = [];

  constructor(init?: RtspHeaderInit) {
    if (init === undefined) return;
    if (init instanceof RtspHeaders) {
      for (const [n, v] of init) this.append(n, v);
    } else if (Symbol.iterator in init) {
      for (const [n, v] of init as Iterable<readonly [string, string]>) this.append(n, v);
    } else {
      for (const [n, v] of Object.entries(init)) this.append(n, v);
    }
  }

  get size(): number {
    return this.#fields.length;
  }

  /** First value of the field, or undefined. */
  get(name: string): string | undefined {
    const lower = name.toLowerCase();
    for (const [n, v] of this.#fields) if (n.toLowerCase() === lower) return v;
    return undefined;
  }

  /** Every value of the field, in order. */
  getAll(name: string): string[] {
    const lower = name.toLowerCase();
    const out: string[] = [];
    for (const [n, v] of this.#fields) if (n.toLowerCase() === lower) out.push(v);
    return out;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Adds a field after the existing ones (a repeated name keeps every value). */
  append(name: string, value: string): this {
    this.#fields.push([name, value]);
    return this;
  }

  /** Replaces every field of that name with one field (kept at the first one's position). */
  set(name: string, value: string): this {
    const lower = name.toLowerCase();
    const idx = this.#fields.findIndex(([n]) => n.toLowerCase() === lower);
    if (idx < 0) {
      this.#fields.push([name, value]);
      return this;
    }
    this.#fields[idx] = [name, value];
    this.#fields = this.#fields.filter(([n], i) => i === idx || n.toLowerCase() !== lower);
    return this;
  }

  delete(name: string): this {
    const lower = name.toLowerCase();
    this.#fields = this.#fields.filter(([n]) => n.toLowerCase() !== lower);
    return this;
  }

  /** Appends text to the last field's value (an obsolete folded continuation line, RFC 2616 §2.2). */
  appendToLast(text: string): boolean {
    const last = this.#fields[this.#fields.length - 1];
    if (last === undefined) return false;
    last[1] = `${last[1]} ${text}`;
    return true;
  }

  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (const [n, v] of this.#fields) yield [n, v];
  }

  toObject(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [n, v] of this.#fields) out[n] = v;
    return out;
  }
}
