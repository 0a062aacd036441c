import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { demoCameras } from '../../../../src/demo/layout.ts';
import { cameraUrls, dashboardUrl, formatUrlTable, urlHost } from '../../../../src/demo/urls.ts';

const slave = { rtmp: 1935, rtsp: 8554, compressedRtsp: 8555, api: 8080 };
const master = { rtmp: 1936, rtsp: 8564, compressedRtsp: 8565, api: 8081 };

describe('demo URLs', () => {
  it('lists raw and compressed RTSP and RTMP on both nodes, and where the camera publishes', () => {
    const [cam] = demoCameras(1, 1);
    const u = cameraUrls(cam!, { host: 'demo.local', publishHost: '127.0.0.1', slave, master });
    assert.deepEqual(u, {
      camera: 'site1/cam1',
      publish: 'rtmp://127.0.0.1:1935/site1/cam1',
      slave: {
        rtmp: 'rtmp://demo.local:1935/site1/cam1',
        rtspRaw: 'rtsp://demo.local:8554/site1/cam1',
        rtspCompressed: 'rtsp://demo.local:8555/site1/cam1',
        snapshot: 'http://demo.local:8080/api/v1/cameras/site1/cam1/snapshot.jpg',
      },
      master: {
        rtmp: 'rtmp://demo.local:1936/site1/cam1',
        rtspRaw: 'rtsp://demo.local:8564/site1/cam1',
        rtspCompressed: 'rtsp://demo.local:8565/site1/cam1',
        snapshot: 'http://demo.local:8081/api/v1/cameras/site1/cam1/snapshot.jpg',
      },
    });
  });

  it('brackets IPv6 hosts', () => {
    assert.equal(urlHost('::1'), '[::1]');
    assert.equal(urlHost('[::1]'), '[::1]');
    assert.equal(dashboardUrl('::1', slave), 'http://[::1]:8080/');
  });

  it('prints both dashboards and every URL of every camera', () => {
    const cams = demoCameras(1, 2).map((c) => cameraUrls(c, { host: '127.0.0.1', publishHost: '127.0.0.1', slave, master }));
    const text = formatUrlTable({ host: '127.0.0.1', slave, master, cameras: cams });
    assert.match(text, /slave +http:\/\/127\.0\.0\.1:8080\//);
    assert.match(text, /master +http:\/\/127\.0\.0\.1:8081\//);
    for (const c of cams) {
      for (const n of [c.slave, c.master]) {
        for (const url of [n.rtmp, n.rtspRaw, n.rtspCompressed]) assert.ok(text.includes(url), url);
      }
    }
    assert.match(text, /Ctrl-C/);
    // Issue 16.8: the bundled ffmpeg package has no ffplay.
    assert.doesNotMatch(text, /ffplay/);
    assert.match(text, new RegExp(`npx cupola probe ${cams[0]!.slave.rtspRaw}`));
  });
});
