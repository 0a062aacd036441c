/**
 * Registers `cupola demo` on the CLI program.
 */
import { Option, type Command } from 'commander';
import { runDemo } from './run-demo.ts';

function wholeNumber(flag: string): (raw: string) => number {
  return (raw) => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n)) throw new Error(`${flag}: "${raw}" is not a whole number`);
    return n;
  };
}

export function registerDemoCommand(program: Command): Command {
  return program
    .command('demo')
    .description('run the 2-machine layout on this host: a slave, a master and simulated cameras; prints every URL')
    .addOption(new Option('--sites <n>', 'number of sites').default(1).argParser(wholeNumber('--sites')))
    .addOption(new Option('--cameras <n>', 'simulated cameras per site').default(5).argParser(wholeNumber('--cameras')))
    .addOption(new Option('--host <addr>', 'address the slave and master bind (0.0.0.0 to reach them from other machines)').default('127.0.0.1'))
    .addOption(new Option('--advertise-host <host>', 'host name printed in URLs (default: the bound host)'))
    .addOption(new Option('--any-ports', 'let the OS choose every port instead of 1935/8554/8555/8080 (slave) and 1936/8564/8565/8081 (master)'))
    .addOption(new Option('--json', 'print one JSON line with every URL and PID instead of the table'))
    .action(async (flags: { sites: number; cameras: number; host: string; advertiseHost?: string; anyPorts?: boolean; json?: boolean }) => {
      let code: number;
      try {
        code = await runDemo({
          sites: flags.sites,
          cameras: flags.cameras,
          host: flags.host,
          ...(flags.advertiseHost !== undefined ? { advertiseHost: flags.advertiseHost } : {}),
          anyPorts: flags.anyPorts === true,
          json: flags.json === true,
        });
      } catch (err) {
        process.stderr.write(`cupola demo: ${(err as Error).message}\n`);
        code = 2;
      }
      process.exit(code);
    });
}
