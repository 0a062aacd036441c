/** `cupola sites list|add|remove`. */
import type { Command } from 'commander';
import type { Site } from '../../config/model.ts';
import { formatTable } from '../../api/client/table.ts';
import type { ApiCommandContext } from './api-commands.ts';

type Stored<T> = T & { revision: number };

export function registerSitesCommands(sites: Command, ctx: ApiCommandContext): void {
  sites
    .command('list')
    .description('list sites')
    .action((_opts, cmd: Command) =>
      ctx.run(cmd, async (client, json) => {
        const { items } = await client.get<{ items: Stored<Site>[] }>('/api/v1/sites');
        ctx.io.out(json ? JSON.stringify(items, null, 2) + '\n' : formatTable(['id', 'name'], items.map((s) => [s.id, s.name])));
      }),
    );
  sites
    .command('add <id>')
    .description('add a site')
    .option('--name <name>', 'display name (defaults to the id)')
    .action((id: string, opts: { name?: string }, cmd: Command) =>
      ctx.run(cmd, async (client, json) => {
        const site = await client.request<Stored<Site>>('POST', '/api/v1/sites', { id, ...(opts.name !== undefined ? { name: opts.name } : {}) });
        ctx.io.out(json ? JSON.stringify(site, null, 2) + '\n' : `added site ${site.id}\n`);
      }),
    );
  sites
    .command('remove <id>')
    .description('remove a site (it must have no cameras)')
    .action((id: string, _opts, cmd: Command) =>
      ctx.run(cmd, async (client, json) => {
        await client.request('DELETE', `/api/v1/sites/${encodeURIComponent(id)}`);
        ctx.io.out(json ? JSON.stringify({ removed: id }) + '\n' : `removed site ${id}\n`);
      }),
    );
}
