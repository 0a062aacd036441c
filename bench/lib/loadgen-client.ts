/** The runner's side of the load generator process (bench/load/loadgen.ts): fork + request/reply over IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Command } from '../load/loadgen.ts';
import { repoRoot, track } from './servers.ts';

export class LoadGen {
  readonly proc: ChildProcess;
  #seq = 0;
  readonly #pending = new Map<number, { res: (v: unknown) => void; rej: (e: Error) => void }>();

  constructor() {
    this.proc = fork(join(repoRoot, 'bench/load/loadgen.ts'), [], { execArgv: ['--import', 'tsx'], cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    track(this.proc);
    this.proc.on('message', (m: { seq: number; result?: unknown; error?: string }) => {
      const p = this.#pending.get(m.seq);
      if (p === undefined) return;
      this.#pending.delete(m.seq);
      if (m.error !== undefined) p.rej(new Error(`loadgen: ${m.error}`));
      else p.res(m.result);
    });
    this.proc.on('exit', (code) => {
      for (const p of this.#pending.values()) p.rej(new Error(`loadgen exited (${code})`));
      this.#pending.clear();
    });
  }

  get pid(): number {
    return this.proc.pid!;
  }

  send<T = Record<string, unknown>>(command: Command, timeoutMs = 120_000): Promise<T> {
    const seq = ++this.#seq;
    return new Promise<T>((res, rej) => {
      const t = setTimeout(() => {
        this.#pending.delete(seq);
        rej(new Error(`loadgen: ${command.cmd} timed out`));
      }, timeoutMs);
      this.#pending.set(seq, {
        res: (v) => {
          clearTimeout(t);
          res(v as T);
        },
        rej: (e) => {
          clearTimeout(t);
          rej(e);
        },
      });
      this.proc.send({ seq, command });
    });
  }

  async exit(): Promise<void> {
    try {
      await this.send({ cmd: 'exit' }, 5000);
    } catch {
      // already gone
    }
    if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
  }
}
