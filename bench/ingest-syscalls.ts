/**
 * Why an ffmpeg publisher costs a server more per byte than the load generator's: one publisher at a
 * time against `cupola serve` (an ffmpeg process, then the load generator's publisher at chunk size
 * 4096 and 128), `strace -c -f` for 10 s on the publisher (write calls) and on the server (read
 * calls) at once. Needs strace (ptrace of our own children). Usage:
 *   node --import tsx bench/ingest-syscalls.ts
 * Every process it starts is tracked and stopped by PID (killAll on error and SIGINT).
 */
import { spawn } from 'node:child_process';
import { killAll, runMain, startCupola, track } from './lib/servers.ts';
import { FfmpegPublishers } from './lib/ffmpeg-publishers.ts';
import { LoadGen } from './lib/loadgen-client.ts';
import { CAMERA_INGEST, ensureFlv } from './lib/media.ts';

const SECONDS = 10;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** strace -c of `pid` and its threads for `secs` seconds, counting `calls`; its summary. */
function strace(pid: number, secs: number, calls: string): Promise<string> {
  return new Promise((res) => {
    const p = spawn('timeout', ['-s', 'INT', String(secs), 'strace', '-c', '-f', '-e', `trace=${calls}`, '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
    track(p);
    let err = '';
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('exit', () => res(err.split('\n').filter((l) => !l.startsWith('strace: Process')).join('\n')));
  });
}

async function main(): Promise<void> {
  const file = await ensureFlv(CAMERA_INGEST);
  const server = await startCupola({ name: 'cupola' });
  const gen = new LoadGen();
  const url = `rtmp://127.0.0.1:${server.ports['rtmp']}/site2/cam1`;
  try {
    const f = new FfmpegPublishers();
    try {
      f.start(url, file);
      await f.ready(10_000);
      await sleep(2000);
      const pid = f.pids[0];
      if (pid === undefined) throw new Error('ffmpeg publisher not running');
      const [pub, srv] = await Promise.all([strace(pid, SECONDS, 'write,writev,sendto,sendmsg'), strace(server.pid, SECONDS, 'read,readv,recvfrom,recvmsg')]);
      console.log(`== ffmpeg publisher (${f.binary}), ${SECONDS} s\n${pub}\n== cupola while ffmpeg publishes\n${srv}`);
    } finally {
      await f.stop();
    }
    await sleep(2000);
    for (const chunkSize of [4096, 128]) {
      await gen.send({ cmd: 'publish', id: 'p', url, file, stamp: false, chunkSize });
      await gen.send({ cmd: 'publishers-ready', prefix: 'p', timeoutMs: 10_000 });
      await sleep(2000);
      const [pub, srv] = await Promise.all([strace(gen.pid, SECONDS, 'write,writev,sendto,sendmsg'), strace(server.pid, SECONDS, 'read,readv,recvfrom,recvmsg')]);
      console.log(`== load generator publisher, chunk size ${chunkSize}, ${SECONDS} s\n${pub}\n== cupola while it publishes\n${srv}`);
      await gen.send({ cmd: 'closePublishers' });
      await sleep(2000);
    }
  } finally {
    await gen.exit();
    await server.stop();
    killAll();
  }
}

runMain(main);
