/**
 * A small hand-written schema toolkit: each schema both validates an `unknown` document and yields
 * its TypeScript type (`Infer<typeof schema>`), so the config model has one source of truth.
 *
 * Every problem is collected as an issue naming the field path and the reason
 * (`cameras[2].profile: unknown profile "hd"`); parsing does not stop at the first one.
 */

export interface ConfigIssue {
  /** Dotted field path such as `cameras[2].profile`; empty for the document itself. */
  readonly path: string;
  readonly message: string;
}

export function formatIssue(issue: ConfigIssue): string {
  return issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`;
}

/** A document failed validation. `issues` names every bad field. */
export class ConfigValidationError extends Error {
  override readonly name = 'ConfigValidationError';
  constructor(
    readonly issues: readonly ConfigIssue[],
    /** Where the document came from (a file path, `api`, `mongo:cameras`), prefixed to the message. */
    readonly source?: string,
  ) {
    const list = issues.map(formatIssue).join('; ');
    super(source === undefined ? list : `${source}: ${list}`);
  }
}

/** Collects issues while a document is parsed. */
export class ParseContext {
  readonly issues: ConfigIssue[] = [];
  add(path: string, message: string): void {
    this.issues.push({ path, message });
  }
}

export interface Schema<T> {
  /** Returns the parsed value, or undefined after recording at least one issue. */
  parse(input: unknown, path: string, ctx: ParseContext): T | undefined;
  /** Set by `optional()` / `withDefault()`: the field may be absent from an object. */
  readonly optionalInput?: boolean;
  /** Set by `optional()`: the parsed field may be absent. */
  readonly optionalOutput?: boolean;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

export function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}

export interface StringOptions {
  readonly minLength?: number;
  /** Defaults to 1024 characters. */
  readonly maxLength?: number;
  readonly pattern?: RegExp;
  /** Says what the pattern allows, in the error message. */
  readonly patternHint?: string;
}

export function str(options: StringOptions = {}): Schema<string> {
  const min = options.minLength ?? 0;
  const max = options.maxLength ?? 1024;
  return {
    parse(input, path, ctx) {
      if (typeof input !== 'string') return void ctx.add(path, `expected a string, got ${describe(input)}`);
      if (input.length < min) return void ctx.add(path, min === 1 ? 'must not be empty' : `must be at least ${min} characters`);
      if (input.length > max) return void ctx.add(path, `must be at most ${max} characters`);
      if (options.pattern !== undefined && !options.pattern.test(input)) {
        return void ctx.add(path, `invalid value ${JSON.stringify(input)}: ${options.patternHint ?? `must match ${options.pattern}`}`);
      }
      return input;
    },
  };
}

export interface NumberOptions {
  readonly min?: number;
  readonly max?: number;
  /** Only whole numbers. */
  readonly integer?: boolean;
  /** Only even numbers (video dimensions for 4:2:0 chroma). */
  readonly even?: boolean;
}

export function num(options: NumberOptions = {}): Schema<number> {
  return {
    parse(input, path, ctx) {
      if (typeof input !== 'number' || !Number.isFinite(input)) return void ctx.add(path, `expected a number, got ${describe(input)}`);
      if (options.integer === true && !Number.isInteger(input)) return void ctx.add(path, `must be a whole number, got ${input}`);
      if (options.min !== undefined && input < options.min) return void ctx.add(path, `must be >= ${options.min}, got ${input}`);
      if (options.max !== undefined && input > options.max) return void ctx.add(path, `must be <= ${options.max}, got ${input}`);
      if (options.even === true && input % 2 !== 0) return void ctx.add(path, `must be even, got ${input}`);
      return input;
    },
  };
}

export const int = (options: Omit<NumberOptions, 'integer'> = {}): Schema<number> => num({ ...options, integer: true });
export const port = (): Schema<number> => int({ min: 0, max: 65535 });

export function bool(): Schema<boolean> {
  return {
    parse(input, path, ctx) {
      if (typeof input !== 'boolean') return void ctx.add(path, `expected true or false, got ${describe(input)}`);
      return input;
    },
  };
}

export function oneOf<const V extends string>(values: readonly V[], what = 'value'): Schema<V> {
  return {
    parse(input, path, ctx) {
      if (typeof input === 'string' && (values as readonly string[]).includes(input)) return input as V;
      ctx.add(path, `unknown ${what} ${JSON.stringify(input)} (expected one of ${values.join(', ')})`);
      return undefined;
    },
  };
}

export function arr<T>(item: Schema<T>, options: { readonly maxItems?: number } = {}): Schema<readonly T[]> {
  const maxItems = options.maxItems ?? 10_000;
  return {
    parse(input, path, ctx) {
      if (!Array.isArray(input)) return void ctx.add(path, `expected an array, got ${describe(input)}`);
      if (input.length > maxItems) return void ctx.add(path, `at most ${maxItems} entries allowed, got ${input.length}`);
      const before = ctx.issues.length;
      const out = input.map((v, i) => item.parse(v, join(path, i), ctx));
      return ctx.issues.length === before ? Object.freeze(out as T[]) : undefined;
    },
  };
}

/** The field may be absent (or null); the parsed object then lacks it. */
export function optional<T>(inner: Schema<T>): Schema<T | undefined> & { readonly optionalOutput: true } {
  return {
    optionalInput: true,
    optionalOutput: true,
    parse(input, path, ctx) {
      if (input === undefined || input === null) return undefined;
      return inner.parse(input, path, ctx);
    },
  };
}

/** The field may be absent; the parsed object then has `fallback`. */
export function withDefault<T>(inner: Schema<T>, fallback: T): Schema<T> {
  return {
    optionalInput: true,
    parse(input, path, ctx) {
      if (input === undefined) return fallback;
      return inner.parse(input, path, ctx);
    },
  };
}

type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends { readonly optionalOutput: true } ? K : never }[keyof S];
type Flatten<T> = { [K in keyof T]: T[K] };
export type InferShape<S extends Shape> = Flatten<
  { readonly [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & {
    readonly [K in OptionalKeys<S>]?: Exclude<Infer<S[K]>, undefined>;
  }
>;

export interface ObjectSchema<S extends Shape> extends Schema<InferShape<S>> {
  readonly shape: S;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A JSON object with exactly these fields; unknown fields are refused (they are usually typos). */
export function obj<S extends Shape>(shape: S): ObjectSchema<S> {
  return {
    shape,
    parse(input, path, ctx) {
      if (!isPlainObject(input)) return void ctx.add(path, `expected an object, got ${describe(input)}`);
      const before = ctx.issues.length;
      for (const key of Object.keys(input)) {
        if (!Object.hasOwn(shape, key)) ctx.add(join(path, key), 'unknown field');
      }
      const out: Record<string, unknown> = {};
      for (const [key, schema] of Object.entries(shape)) {
        const raw = input[key];
        if (raw === undefined && schema.optionalInput !== true) {
          ctx.add(join(path, key), 'is required');
          continue;
        }
        const value = schema.parse(raw, join(path, key), ctx);
        if (value !== undefined) out[key] = value;
      }
      return ctx.issues.length === before ? (Object.freeze(out) as InferShape<S>) : undefined;
    },
  };
}

/** Post-processing once the inner schema accepted the value: cross-field checks, derived defaults. */
export function refine<T, U>(inner: Schema<T>, fn: (value: T, path: string, ctx: ParseContext) => U | undefined): Schema<U> {
  return {
    ...(inner.optionalInput === true ? { optionalInput: true } : {}),
    parse(input, path, ctx) {
      const value = inner.parse(input, path, ctx);
      if (value === undefined) return undefined;
      return fn(value, path, ctx);
    },
  };
}

/** Parses `input` with `schema` or throws ConfigValidationError listing every issue. */
export function parseOrThrow<T>(schema: Schema<T>, input: unknown, source?: string, path = ''): T {
  const ctx = new ParseContext();
  const value = schema.parse(input, path, ctx);
  if (ctx.issues.length > 0 || value === undefined) {
    throw new ConfigValidationError(ctx.issues.length > 0 ? ctx.issues : [{ path, message: 'invalid' }], source);
  }
  return value;
}
