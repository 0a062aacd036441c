/** `cupola cameras list|add|remove|urls`. */
import type { Command } from 'commander';
import type { PublicCamera } from '../../core/public-camera.ts';
import { formatTable } from '../../api/client/table.ts';
import type { CameraUrls } from '../../core/urls.ts';
import type { ApiCommandContext } from './api-commands.ts';

type Stored<T> = T & { revision: number };

/** `site1/cam1` -> `/api/v1/cameras/site1/cam1`; refuses anything else. */
function cameraPath(id: string): string {
  const parts = id.split('/');
  if (parts.length !== 2 || parts.some((p) => p === '')) throw new Error(`camera id must be "site/name", got "${id}"`);
  return `/api/v1/cameras/${parts.map(encodeURIComponent).join('/')}`;
}

function urlsTable(list: readonly CameraUrls[], advertised: boolean): string {
  const rows: unknown[][] = [];
  for (const c of list) {
    for (const n of c.nodes) {
      const pick = (p: { internal: string; advertised: string | null }): string | null => (advertised ? p.advertised : p.internal);
      rows.push([c.camera, `${n.name} (${n.role})`, pick(n.rtmpIngest), pick(n.rtspRaw), pick(n.rtspCompressed), `${n.live.raw ? 'raw' : ''}${n.live.raw && n.live.compressed ? '+' : ''}${n.live.compressed ? 'compressed' : ''}`]);
    }
  }
  return formatTable(['camera', 'node', 'rtmp ingest', 'rtsp raw', 'rtsp compressed', 'live'], rows);
}

function bestTable(list: readonly CameraUrls[], advertised: boolean): string {
  return formatTable(
    ['camera', 'best raw', 'best compressed'],
    list.map((c) => [c.camera, advertised ? c.best.raw?.advertised : c.best.raw?.url, advertised ? c.best.compressed?.advertised : c.best.compressed?.url]),
  );
}

interface CameraAddOptions {
  profile?: string;
  publishKey?: string;
  disabled?: boolean;
  source?: string;
  sourceTransport?: string;
  sourceOnDemand?: boolean;
  sourceUser?: string;
  sourcePass?: string;
}

interface SourceRow {
  camera: string;
  url: string;
  state: string;
  activeTransport: string | null;
  restarts: number;
  lastError?: string;
}

export function registerCamerasCommands(cameras: Command, ctx: ApiCommandContext): void {
  cameras
    .command('list')
    .description('list cameras')
    .option('--site <id>', 'only cameras of this site')
    .action((opts: { site?: string }, cmd: Command) =>
      ctx.run(cmd, async (client, json) => {
        const q = opts.site !== undefined ? `?site=${encodeURIComponent(opts.site)}` : '';
        const { items } = await client.get<{ items: Stored<PublicCamera>[] }>(`/api/v1/cameras${q}`);
        ctx.io.out(
          json
            ? JSON.stringify(items, null, 2) + '\n'
            : formatTable(
                ['id', 'enabled', 'profile', 'publish key', 'source'],
                items.map((c) => [c.id, c.enabled, c.profile ?? '(default)', c.publishKeyRequired ? 'set' : '', c.source === undefined ? '' : `${c.source}${c.sourceOnDemand === true ? ' (on demand)' : ''}`]),
              ),
        );
      }),
    );
  cameras
    .command('add <id>')
    .description('add a camera, id "site/name" (the site must exist)')
    .option('--profile <id>', 'compression profile (defaults to the node default)')
    .option('--publish-key <key>', 'require ?key=<key> when the camera publishes')
    .option('--disabled', 'add it disabled')
    .option('--source <url>', 'pull the camera instead of waiting for it to push: rtsp://, rtsps://, rtmp:// or rtmps:// (user:pass@ in the URL is stored write-only)')
    .option('--source-transport <t>', 'rtsp:// sources: auto (UDP, then TCP), udp or tcp (default auto)')
    .option('--source-on-demand', 'pull only while someone reads the camera')
    .option('--source-user <user>', 'source user name (instead of user info in the URL)')
    .option('--source-pass <pass>', 'source password (or set CUPOLA_SOURCE_PASS, kept out of the process list)')
    .action((id: string, opts: CameraAddOptions, cmd: Command) =>
      ctx.run(cmd, async (client, json) => {
        cameraPath(id);
        const sourcePass = opts.sourcePass ?? ctx.io.env['CUPOLA_SOURCE_PASS'];
        const body = {
          id,
          enabled: opts.disabled !== true,
          ...(opts.profile !== undefined ? { profile: opts.profile } : {}),
          ...(opts.publishKey !== undefined ? { publishKey: opts.publishKey } : {}),
          ...(opts.source !== undefined ? { source: opts.source } : {}),
          ...(opts.sourceTransport !== undefined ? { sourceTransport: opts.sourceTransport } : {}),
          ...(opts.sourceOnDemand === true ? { sourceOnDemand: true } : {}),
          ...(opts.sourceUser !== undefined ? { sourceUser: opts.sourceUser } : {}),
          ...(sourcePass !== undefined && opts.source !== undefined ? { sourcePass } : {}),
        };
        const cam = await client.request<Stored<PublicCamera>>('POST', '/api/v1/cameras', body);
        ctx.io.out(json ? JSON.stringify(cam, null, 2) + '\n' : `added camera ${cam.id}\n`);
      }),
    );
  cameras
    .command('sources')
    .description('pulled cameras: state, transport, restarts and last error')
    .action((_opts, cmd: Command) =>
      ctx.run(cmd, async (client, json) => {
        const { items } = await client.get<{ items: SourceRow[] }>('/api/v1/sources');
        ctx.io.out(
          json
            ? JSON.stringify(items, null, 2) + '\n'
            : formatTable(['camera', 'source', 'state', 'transport', 'restarts', 'last error'], items.map((s) => [s.camera, s.url, s.state, s.activeTransport ?? '', s.restarts, s.lastError ?? ''])),
        );
      }),
    );
  cameras
    .command('remove <id>')
    .description('remove a camera')
    .action((id: string, _opts, cmd: Command) =>
      ctx.run(cmd, async (client, json) => {
        await client.request('DELETE', cameraPath(id));
        ctx.io.out(json ? JSON.stringify({ removed: id }) + '\n' : `removed camera ${id}\n`);
      }),
    );
  cameras
    .command('urls [id]')
    .description('show camera URLs (all cameras, or one) on this node and its peer')
    .option('--advertised', 'show the advertised (port-forwarded) forms instead of the internal ones')
    .option('--best', 'only the best live URL per camera')
    .action((id: string | undefined, opts: { advertised?: boolean; best?: boolean }, cmd: Command) =>
      ctx.run(cmd, async (client, json) => {
        const list =
          id === undefined
            ? (await client.get<{ items: CameraUrls[] }>('/api/v1/urls')).items
            : [await client.get<CameraUrls>(`${cameraPath(id)}/urls`)];
        if (json) ctx.io.out(JSON.stringify(id === undefined ? list : list[0], null, 2) + '\n');
        else ctx.io.out(opts.best === true ? bestTable(list, opts.advertised === true) : urlsTable(list, opts.advertised === true));
      }),
    );
}
