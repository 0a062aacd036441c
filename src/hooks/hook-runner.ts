/**
 * Runs the configured hooks off the application event bus: a `stream.ready` hook keeps its command
 * running while the stream is up (restarted when it exits, if `restart`) and stops it when the stream
 * goes down; every other hook runs its command once per event (bounded by `timeoutMs`). close() kills
 * every command with its process group.
 */
import type { ApiEvent, EventBus } from '../core/events.ts';
import type { CameraUrls } from '../core/urls.ts';
import type { HookSettings } from '../config/settings.ts';
import type { Logger } from '../log/logger.ts';
import { HookProcess } from './hook-process.ts';
import { hookEnv, hookTriggerOf, matchingHooks, type HookNodeInfo, type HookTrigger } from './hook-trigger.ts';

/** Commands of one hook running at once (one-shot hooks on a burst of events); more are skipped. */
export const MAX_RUNNING_PER_HOOK = 32;

export interface HookRunnerOptions {
  readonly hooks: readonly HookSettings[];
  readonly bus: EventBus;
  readonly node: HookNodeInfo;
  /** A camera's URLs (URL management); undefined for a path that is not a catalog camera. */
  readonly urlsFor: (path: string) => CameraUrls | undefined;
  readonly log: Logger;
  /** The node's environment the commands inherit. Defaults to process.env. */
  readonly baseEnv?: NodeJS.ProcessEnv;
  readonly random?: () => number;
}

export interface HookRunnerStats {
  readonly running: number;
  /** Commands not started because the hook already had MAX_RUNNING_PER_HOOK running. */
  readonly skipped: number;
}

export class HookRunner {
  readonly #o: HookRunnerOptions;
  /** stream.ready commands by `hook factory path`, with the stream they belong to. */
  #ready = new Map<string, { readonly proc: HookProcess; readonly factory: string | null; readonly path: string }>();
  /** Every running command (ready and one-shot), per hook name. */
  #running = new Map<string, Set<HookProcess>>();
  #unsubscribe: () => void;
  #closed = false;
  #skipped = 0;

  constructor(options: HookRunnerOptions) {
    this.#o = options;
    this.#unsubscribe = options.hooks.length === 0 ? () => {} : options.bus.subscribe((e) => this.#onEvent(e));
  }

  stats(): HookRunnerStats {
    let running = 0;
    for (const set of this.#running.values()) running += set.size;
    return { running, skipped: this.#skipped };
  }

  /** PIDs of the running commands of `hookName` (tests, diagnostics). */
  pids(hookName: string): number[] {
    return [...(this.#running.get(hookName) ?? [])].map((p) => p.pid).filter((p): p is number => p !== null);
  }

  /** Stops listening and kills every command with its process group; resolves when all exited. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    const all = [...this.#running.values()].flatMap((s) => [...s]);
    this.#ready.clear();
    await Promise.all(all.map((p) => p.stop()));
  }

  #onEvent(event: ApiEvent): void {
    if (this.#closed) return;
    const trigger = hookTriggerOf(event);
    if (trigger === null) return;
    if (trigger.on === 'stream.notReady') this.#stopReady(trigger);
    for (const hook of matchingHooks(this.#o.hooks, trigger)) this.#start(hook, trigger);
  }

  #stopReady(trigger: HookTrigger): void {
    for (const [key, r] of this.#ready) {
      if (r.factory === trigger.factory && r.path === trigger.path) {
        this.#ready.delete(key);
        void r.proc.stop();
      }
    }
  }

  #start(hook: HookSettings, trigger: HookTrigger): void {
    const ready = trigger.on === 'stream.ready';
    const key = `${hook.name} ${trigger.factory} ${trigger.path}`;
    if (ready && this.#ready.has(key)) return;
    const running = this.#running.get(hook.name) ?? new Set<HookProcess>();
    if (running.size >= MAX_RUNNING_PER_HOOK) {
      this.#skipped++;
      this.#o.log.warn('hook not started: too many of its commands running', { hook: hook.name, event: trigger.on, path: trigger.path, max: MAX_RUNNING_PER_HOOK });
      return;
    }
    this.#running.set(hook.name, running);
    const env = { ...(this.#o.baseEnv ?? process.env), ...hookEnv(hook, trigger, this.#o.node, this.#o.urlsFor(trigger.path)) };
    const proc: HookProcess = new HookProcess({
      hook,
      env,
      keepRunning: ready && hook.restart,
      ...(ready ? {} : { timeoutMs: hook.timeoutMs }),
      log: this.#o.log.child({ hook: hook.name, event: trigger.on, path: trigger.path }),
      ...(this.#o.random !== undefined ? { random: this.#o.random } : {}),
      onDone: () => {
        running.delete(proc);
        if (this.#ready.get(key)?.proc === proc) this.#ready.delete(key);
      },
    });
    running.add(proc);
    if (ready) this.#ready.set(key, { proc, factory: trigger.factory, path: trigger.path });
    proc.start();
  }
}
