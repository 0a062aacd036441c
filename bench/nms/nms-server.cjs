// Node-Media-Server v4 (devDependency) as a benchmark peer, in its own process: RTMP only, on an
// OS-chosen port of 127.0.0.1, no HTTP/HTTPS/RTMPS/API/auth, store in the given directory.
// Prints one JSON line {"event":"listening","rtmp":PORT} when bound (like `cupola serve`).
// Usage: node bench/nms/nms-server.cjs DATA_DIR
'use strict';
const NodeMediaServer = require('node-media-server');
const logger = require('node-media-server/src/core/logger.js');

const dataDir = process.argv[2] || require('node:os').tmpdir();
const config = {
  bind: '127.0.0.1',
  // A non-zero port makes NMS create its RTMP server; the real port (0 = any free one) is set below.
  rtmp: { port: 1 },
  store: { path: dataDir },
  auth: { play: false, publish: false, secret: '' },
  webadmin: { enable: false },
  record: { auto: false, path: dataDir },
  notify: { url: '' },
};
const nms = new NodeMediaServer(config, '');
logger.level = process.env.NMS_LOG_LEVEL || 'warn'; // the constructor forces "debug": one line per packet event
config.rtmp.port = 0;
const server = nms.rtmpServer.tcpServer;
server.once('listening', () => {
  process.stdout.write(JSON.stringify({ event: 'listening', role: 'nms', rtmp: server.address().port }) + '\n');
});
nms.run();
const stop = () => {
  nms.stop().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
