/**
 * CompressionManager with real worker threads and the bundled ffmpeg (lavfi stands in for the
 * camera's Factory 1 RTSP URL; tiny pictures so the suite stays cheap).
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { StreamRegistry, type Publication } from '../../../../src/streams/registry.ts';
import { CompressionManager, sameProfile } from '../../../../src/compression/compression-manager.ts';
import type { CameraCompressionStatus } from '../../../../src/compression/compression-status.ts';
import { DEFAULT_BACKOFF, type CompressionProfile } from '../../../../workers/messages.ts';
import { TINY_PROFILE, killIfAlive, waitGone } from '../../workers/worker-harness.ts';
import { waitFor } from '../../../helpers/server.ts';

const managers = new Set<CompressionManager>();
const seenPids = new Set<number>();
after(async () => {
  for (const m of managers) await m.close();
  for (const pid of seenPids) killIfAlive(pid);
});

function setup(profiles: Map<string, CompressionProfile>) {
  const raw = new StreamRegistry('raw', { unpublishedGraceMs: 50 });
  const compressed = new StreamRegistry('compressed', { unpublishedGraceMs: 50 });
  const events: Array<{ path: string; state: string }> = [];
  const removed: string[] = [];
  const manager = new CompressionManager({
    raw,
    compressed,
    profileFor: (p) => profiles.get(p),
    inputUrlFor: () => 'testsrc2=size=320x240:rate=10',
    inputArgsFor: () => ['-re', '-f', 'lavfi'],
    backoff: { ...DEFAULT_BACKOFF, initialMs: 100, maxMs: 500 },
    listener: {
      onStatus: (s: CameraCompressionStatus, change) => {
        if (s.pid !== null) seenPids.add(s.pid);
        if (change === 'state') events.push({ path: s.path, state: s.state });
      },
      onRemoved: (p) => removed.push(p),
    },
  });
  managers.add(manager);
  return { raw, compressed, manager, events, removed };
}

/** Publishes a described raw stream (frames are not needed: ffmpeg reads lavfi). */
function goLive(raw: StreamRegistry, path: string): Publication {
  const pub = raw.publish(path, { kind: 'rtmp', remote: '127.0.0.1:1' });
  pub.setDescription({ video: { codec: 'h264', width: 320, height: 240 } });
  return pub;
}

const liveSize = (reg: StreamRegistry, path: string): string | undefined => {
  const s = reg.get(path);
  return s?.live === true ? `${s.description?.video?.codec} ${s.description?.video?.width}x${s.description?.video?.height}` : undefined;
};

describe('CompressionManager (real workers)', { timeout: 90_000 }, () => {
  it('follows Factory 1: camera up -> compressed twin on Factory 2; camera down -> worker and ffmpeg gone', async () => {
    const { raw, compressed, manager, events, removed } = setup(new Map([['site1/cam1', TINY_PROFILE]]));
    manager.start();
    const pub = goLive(raw, 'site1/cam1');
    assert.equal(await waitFor(() => liveSize(compressed, 'site1/cam1'), 20_000, 'compressed stream'), 'h264 160x120');
    const status = manager.status('site1/cam1')!;
    assert.equal(status.state, 'running');
    assert.equal(status.profileId, 'tiny');
    const pid = status.pid!;
    assert.ok(pid > 0);
    assert.deepEqual(events.map((e) => e.state).slice(0, 2), ['starting', 'running']);
    pub.close();
    await waitFor(() => removed.includes('site1/cam1'), 10_000, 'camera removed');
    assert.equal(await waitGone(pid, 5000), true, 'ffmpeg gone after the camera stopped');
    assert.equal(liveSize(compressed, 'site1/cam1'), undefined);
    assert.equal(manager.status('site1/cam1'), undefined);
    await manager.close();
  });

  it('a profile change restarts only that camera; an unchanged profile restarts nothing', async () => {
    const profiles = new Map([
      ['site1/cam1', TINY_PROFILE],
      ['site1/cam2', TINY_PROFILE],
    ]);
    const { raw, compressed, manager } = setup(profiles);
    manager.start();
    goLive(raw, 'site1/cam1');
    goLive(raw, 'site1/cam2');
    await waitFor(() => liveSize(compressed, 'site1/cam1') && liveSize(compressed, 'site1/cam2'), 20_000, 'both compressed');
    const pid1 = manager.status('site1/cam1')!.pid!;
    const pid2 = manager.status('site1/cam2')!.pid!;
    await manager.updateProfile('site1/cam2', { ...TINY_PROFILE });
    assert.equal(manager.status('site1/cam2')!.pid, pid2, 'same profile: no restart');
    const bigger = { ...TINY_PROFILE, id: 'bigger', height: 180 };
    profiles.set('site1/cam1', bigger);
    await manager.updateProfile('site1/cam1', bigger);
    assert.equal(await waitGone(pid1, 5000), true);
    assert.equal(await waitFor(() => (liveSize(compressed, 'site1/cam1') === 'h264 240x180' ? 'ok' : undefined), 20_000, 'new size'), 'ok');
    assert.equal(manager.status('site1/cam1')!.profileId, 'bigger');
    assert.equal(manager.status('site1/cam2')!.pid, pid2, 'the other camera kept its ffmpeg');
    const pids = manager.pids();
    await manager.close();
    for (const p of pids) assert.equal(await waitGone(p, 5000), true, `ffmpeg ${p} gone after close`);
    assert.deepEqual(manager.list(), []);
  });

  it('cameras without a profile are not compressed; updateProfile(undefined) stops one', async () => {
    const profiles = new Map([['site1/cam1', TINY_PROFILE]]);
    const { raw, compressed, manager } = setup(profiles);
    manager.start();
    goLive(raw, 'site1/other');
    goLive(raw, 'site1/cam1');
    await waitFor(() => liveSize(compressed, 'site1/cam1'), 20_000, 'compressed');
    assert.equal(manager.status('site1/other'), undefined);
    const pid = manager.status('site1/cam1')!.pid!;
    await manager.updateProfile('site1/cam1', undefined);
    assert.equal(manager.status('site1/cam1'), undefined);
    assert.equal(await waitGone(pid, 5000), true);
    await manager.close();
  });

  it('sameProfile compares every field', () => {
    assert.equal(sameProfile(TINY_PROFILE, { ...TINY_PROFILE }), true);
    assert.equal(sameProfile(TINY_PROFILE, { ...TINY_PROFILE, fps: 5 }), false);
    assert.equal(sameProfile(TINY_PROFILE, { ...TINY_PROFILE, preset: 'fast' }), false);
  });
});
