/**
 * Structured logs: one JSON object per line on stderr (stdout is reserved for the machine-readable
 * `listening` line). Fields are merged from child loggers, so a connection's id follows its lines.
 */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface LogSink {
  write(line: string): unknown;
}

export function isLogLevel(v: string): v is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(v);
}

export function createLogger(level: LogLevel, sink: LogSink = process.stderr, base: LogFields = {}): Logger {
  return new JsonLogger(RANK[level], sink, base);
}

/**
 * A class, not an object of closures: every connection and session has a child logger, and one of
 * these is four fields on a shared prototype instead of six closures and their context.
 */
class JsonLogger implements Logger {
  readonly #min: number;
  readonly #sink: LogSink;
  readonly #base: LogFields;

  constructor(min: number, sink: LogSink, base: LogFields) {
    this.#min = min;
    this.#sink = sink;
    this.#base = base;
  }

  debug(msg: string, fields?: LogFields): void {
    this.#emit('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.#emit('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.#emit('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.#emit('error', msg, fields);
  }
  child(fields: LogFields): Logger {
    return new JsonLogger(this.#min, this.#sink, { ...this.#base, ...fields });
  }

  #emit(lvl: Exclude<LogLevel, 'silent'>, msg: string, fields?: LogFields): void {
    if (RANK[lvl] < this.#min) return;
    const rec: Record<string, unknown> = { time: new Date().toISOString(), level: lvl, msg, ...this.#base, ...fields };
    for (const [k, v] of Object.entries(rec)) if (v instanceof Error) rec[k] = { message: v.message, name: v.name };
    this.#sink.write(`${JSON.stringify(rec)}\n`);
  }
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = createLogger('silent');
