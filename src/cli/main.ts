/**
 * `cupola` command line. `serve` runs a node; the other commands are clients of a running node's
 * API or of a stream URL.
 */
import { Command } from 'commander';
import { addServeFlags, resolveServeOptions } from './serve-options.ts';
import { createLogger } from '../log/logger.ts';
import { runServe } from './serve.ts';
import { registerApiCommands } from './commands/api-commands.ts';
import { registerDemoCommand } from '../demo/command.ts';
import { registerProbeCommand } from './commands/probe.ts';
import { VERSION } from '../node.ts';

const program = new Command();
program
  .name('cupola')
  .description('Streaming server for camera sites: RTMP ingest, RTSP/RTMP serving, compression, replication.')
  .version(VERSION, '-V, --version', 'print the version and exit')
  // One line and a pointer to --help on a usage error, exit 2 (the help itself is long).
  .showHelpAfterError('(add --help for usage)')
  .exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : 2);
  });

addServeFlags(
  program
    .command('serve')
    .description('run a node: slave (cameras + both factories), master (replicates a slave) or compressor'),
).action(async (flags: Record<string, unknown>, cmd: Command) => {
  let options;
  try {
    options = resolveServeOptions(flags, (key) => cmd.getOptionValueSource(key) === 'cli');
  } catch (err) {
    process.stderr.write(`cupola serve: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const log = createLogger(options.logLevel);
  process.exit(await runServe(options, log));
});

registerDemoCommand(program);
registerApiCommands(program);
registerProbeCommand(program);

await program.parseAsync(process.argv);
