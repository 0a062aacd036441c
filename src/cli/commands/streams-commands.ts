/** `cupola streams`: the live streams of a running server. */
import type { Command } from 'commander';
import { formatBitrate, formatBytes, formatDuration, formatTable } from '../../api/client/table.ts';
import type { StreamInfo } from '../../api/types.ts';
import type { ApiCommandContext } from './api-commands.ts';

function codecs(s: StreamInfo): string {
  const v = s.video === undefined ? '' : `${s.video.codec}${s.video.width !== undefined ? ` ${s.video.width}x${s.video.height}` : ''}${s.video.fps !== undefined ? `@${s.video.fps}` : ''}`;
  const a = s.audio === undefined ? '' : `${s.audio.codec} ${s.audio.sampleRate / 1000}kHz`;
  return [v, a].filter((x) => x !== '').join(', ');
}

function readers(s: StreamInfo): string {
  return Object.entries(s.readers)
    .filter(([, n]) => n !== undefined && n > 0)
    .map(([p, n]) => `${p}:${n}`)
    .join(' ');
}

export function registerStreamsCommand(streams: Command, ctx: ApiCommandContext): void {
  streams.option('--factory <name>', 'only this factory (raw or compressed)').action((opts: { factory?: string }, cmd: Command) =>
    ctx.run(cmd, async (client, json) => {
      const q = opts.factory !== undefined ? `?factory=${encodeURIComponent(opts.factory)}` : '';
      const { items } = await client.get<{ items: StreamInfo[] }>(`/api/v1/streams${q}`);
      if (json) {
        ctx.io.out(JSON.stringify(items, null, 2) + '\n');
        return;
      }
      ctx.io.out(
        formatTable(
          ['factory', 'path', 'codecs', 'bitrate', 'readers', 'uptime', 'in', 'out'],
          items.map((s) => [s.factory, s.path, codecs(s), formatBitrate(s.bitrateBps), readers(s), formatDuration(s.uptimeSeconds), formatBytes(s.bytesIn), formatBytes(s.bytesOut)]),
        ),
      );
    }),
  );
}
