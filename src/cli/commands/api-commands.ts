/**
 * The CLI's client subcommands (`cupola sites|cameras|streams ...`) talking to a running server's
 * API. src/cli/main.ts registers them with `registerApiCommands(program)`.
 */
import type { Command } from 'commander';
import { ApiClient, ApiClientError } from '../../api/client/api-client.ts';
import { registerCamerasCommands } from './cameras-commands.ts';
import { registerSitesCommands } from './sites-commands.ts';
import { registerStreamsCommand } from './streams-commands.ts';

export const DEFAULT_API_URL = 'http://127.0.0.1:8080';

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly setExitCode: (code: number) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly fetch?: typeof fetch;
}

const processIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  setExitCode: (c) => {
    process.exitCode = c;
  },
  env: process.env,
};

export interface ApiCommandContext {
  readonly io: CliIo;
  /** Runs an action with a client built from --api/--token (or env), printing API errors. */
  run(cmd: Command, action: (client: ApiClient, json: boolean) => Promise<void>): Promise<void>;
}

/** Adds --api, --token and --json to a command group. */
function withConnectionOptions(cmd: Command): Command {
  return cmd
    .option('--api <url>', `API base URL (env CUPOLA_API_URL; default ${DEFAULT_API_URL})`)
    .option('--token <token>', 'API bearer token (env CUPOLA_API_TOKEN)')
    .option('--json', 'print JSON instead of a table');
}

export function registerApiCommands(program: Command, io: CliIo = processIo): void {
  const ctx: ApiCommandContext = {
    io,
    async run(cmd, action) {
      const opts = cmd.optsWithGlobals<{ api?: string; token?: string; json?: boolean }>();
      const client = new ApiClient({
        baseUrl: opts.api ?? io.env['CUPOLA_API_URL'] ?? DEFAULT_API_URL,
        ...(opts.token ?? io.env['CUPOLA_API_TOKEN'] ? { token: (opts.token ?? io.env['CUPOLA_API_TOKEN'])! } : {}),
        ...(io.fetch !== undefined ? { fetch: io.fetch } : {}),
      });
      try {
        await action(client, opts.json === true);
      } catch (err) {
        if (!(err instanceof ApiClientError)) {
          io.err(`error: ${(err as Error).message}\n`);
          io.setExitCode(1);
          return;
        }
        const fields = err.fields.map((f) => `\n  ${f.path === '' ? '(body)' : f.path}: ${f.message}`).join('');
        io.err(`error: ${err.status === 0 ? '' : `HTTP ${err.status}: `}${err.message}${fields}\n`);
        io.setExitCode(1);
      }
    },
  };
  registerSitesCommands(withConnectionOptions(program.command('sites').description('list, add and remove sites on a running server')), ctx);
  registerCamerasCommands(withConnectionOptions(program.command('cameras').description('list, add and remove cameras; show their URLs')), ctx);
  registerStreamsCommand(withConnectionOptions(program.command('streams').description('list the live streams of a running server')), ctx);
}
