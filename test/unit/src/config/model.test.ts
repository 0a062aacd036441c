import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultCatalog, parseCatalog } from '../../../../src/config/catalog.ts';
import { cameraSchema, COMPRESSION_CODECS, profileSchema, siteSchema } from '../../../../src/config/model.ts';
import { ConfigValidationError, parseOrThrow, type Schema } from '../../../../src/config/schema-kit.ts';
import { DEFAULT_COMPRESSION_PROFILE } from '../../../../workers/messages.ts';

function issues<T>(schema: Schema<T>, input: unknown): string[] {
  try {
    parseOrThrow(schema, input);
  } catch (err) {
    assert.ok(err instanceof ConfigValidationError);
    return err.issues.map((i) => `${i.path}: ${i.message}`);
  }
  assert.fail('expected a validation error');
}

describe('config model validation', () => {
  const cases: { name: string; schema: Schema<unknown>; input: unknown; expect: string[] }[] = [
    { name: 'site id with a slash', schema: siteSchema, input: { id: 'a/b' }, expect: ['id: invalid value "a/b": use 1-64 letters, digits, "_", "." or "-", starting with a letter or digit'] },
    { name: 'site missing id', schema: siteSchema, input: { name: 'x' }, expect: ['id: is required'] },
    { name: 'site unknown field', schema: siteSchema, input: { id: 's', nmae: 'x' }, expect: ['nmae: unknown field'] },
    { name: 'site not an object', schema: siteSchema, input: [1], expect: [': expected an object, got an array'] },
    { name: 'camera without id or names', schema: cameraSchema, input: { enabled: true }, expect: [': needs either id ("site/name") or both site and name'] },
    { name: 'camera id with three segments', schema: cameraSchema, input: { id: 'a/b/c' }, expect: ['id: invalid camera id "a/b/c": expected "site/name"'] },
    { name: 'camera site disagrees with id', schema: cameraSchema, input: { id: 's/c', site: 't' }, expect: ['site: "t" does not match id "s/c"'] },
    { name: 'camera enabled as string', schema: cameraSchema, input: { id: 's/c', enabled: 'yes' }, expect: ['enabled: expected true or false, got string "yes"'] },
    { name: 'camera empty publish key', schema: cameraSchema, input: { id: 's/c', publishKey: '' }, expect: ['publishKey: must not be empty'] },
    { name: 'camera alwaysAvailable as string', schema: cameraSchema, input: { id: 's/c', alwaysAvailable: 'yes' }, expect: ['alwaysAvailable: expected true or false, got string "yes"'] },
    {
      name: 'profile: unknown codec, odd width, negative bitrate',
      schema: profileSchema,
      input: { id: 'p', codec: 'vp9', bitrateKbps: -5, width: 641 },
      expect: [`codec: unknown codec "vp9" (expected one of ${COMPRESSION_CODECS.join(', ')})`, 'bitrateKbps: must be >= 16, got -5', 'width: must be even, got 641'],
    },
    { name: 'profile maxrate below bitrate', schema: profileSchema, input: { id: 'p', codec: 'h264', bitrateKbps: 800, maxrateKbps: 500 }, expect: ['maxrateKbps: must be >= bitrateKbps (800), got 500'] },
    { name: 'profile audio mode', schema: profileSchema, input: { id: 'p', codec: 'h264', bitrateKbps: 800, audio: 'mp3' }, expect: ['audio: unknown audio mode "mp3" (expected one of copy, aac, drop)'] },
    // Security (17.8): values handed to ffmpeg as one argument must not read as an option.
    ...(['-i', '-filter_complex', '-', '--', ' veryfast', 'very fast', 'a;b', 'x'.repeat(33), ''].flatMap((bad) =>
      (['preset', 'tune'] as const).map((field) => ({
        name: `profile ${field} ${JSON.stringify(bad)} refused`,
        schema: profileSchema,
        input: { id: 'p', codec: 'h264', bitrateKbps: 800, [field]: bad },
        expect: [
          `${field}: invalid value ${JSON.stringify(bad)}: an encoder ${field} name such as ${field === 'preset' ? 'veryfast' : 'zerolatency'}: 1-32 letters, digits, "_", ".", ":", "+" or "-", starting with a letter or digit`,
        ],
      })),
    )),
    { name: 'profile fractional gop', schema: profileSchema, input: { id: 'p', codec: 'h264', bitrateKbps: 800, gopFrames: 2.5 }, expect: ['gopFrames: must be a whole number, got 2.5'] },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(issues(c.schema, c.input), c.expect));
  }

  it('camera: id derived from site and name, defaults filled, frozen', () => {
    const cam = parseOrThrow(cameraSchema, { site: 's', name: 'c' });
    assert.deepEqual(cam, { id: 's/c', site: 's', name: 'c', enabled: true });
    assert.ok(Object.isFrozen(cam));
    assert.deepEqual(parseOrThrow(cameraSchema, { id: 's/c', profile: 'low' }), { id: 's/c', site: 's', name: 'c', enabled: true, profile: 'low' });
    assert.deepEqual(parseOrThrow(cameraSchema, { id: 's/c', alwaysAvailable: true }), { id: 's/c', site: 's', name: 'c', enabled: true, alwaysAvailable: true });
  });

  it('profile: preset and tune accept the encoders\' real names', () => {
    for (const [preset, tune] of [['ultrafast', 'zerolatency'], ['veryslow', 'film'], ['p4', 'll'], ['medium', 'fastdecode'], ['fast', 'psnr']] as const) {
      const p = parseOrThrow(profileSchema, { id: 'p', codec: 'h264', bitrateKbps: 800, preset, tune });
      assert.equal(p.preset, preset);
      assert.equal(p.tune, tune);
    }
  });

  it('profile: defaults (superfast, zerolatency, derived VBV, threads unset = 1) and the worker profile shape', () => {
    assert.deepEqual(parseOrThrow(profileSchema, { id: 'p', codec: 'h264', bitrateKbps: 800 }), {
      id: 'p', codec: 'h264', bitrateKbps: 800, maxrateKbps: 1000, bufsizeKbps: 1600, gopFrames: 50, preset: 'superfast', tune: 'zerolatency', audio: 'aac',
    });
    assert.deepEqual(parseOrThrow(profileSchema, DEFAULT_COMPRESSION_PROFILE), DEFAULT_COMPRESSION_PROFILE);
  });

  it('catalog: paths name the array index of every bad document', () => {
    assert.throws(
      () => parseCatalog({ sites: [{ id: 's' }, { id: 's' }], cameras: [{ id: 's/a' }, { id: 'x/b' }, { id: 's/c', profile: 'hd' }] }, 'catalog.json'),
      (err: unknown) =>
        err instanceof ConfigValidationError &&
        err.message === 'catalog.json: sites[1].id: duplicate id "s"; cameras[1].site: unknown site "x"; cameras[2].profile: unknown profile "hd"',
    );
    assert.throws(() => parseCatalog({ version: 9 }), /version: must be <= 1, got 9/);
  });

  it('the embedded default: site1 with cam1..cam5 and three profiles, default cuts a 4 Mbit/s camera by >= 75 %', () => {
    const c = defaultCatalog();
    assert.deepEqual(c.sites.map((s) => s.id), ['site1']);
    assert.deepEqual(c.cameras.map((x) => x.id), ['site1/cam1', 'site1/cam2', 'site1/cam3', 'site1/cam4', 'site1/cam5']);
    assert.deepEqual(c.profiles.map((p) => p.id), ['default', 'low', 'hevc-720p']);
    assert.ok(c.profiles[0]!.bitrateKbps <= 1000);
  });
});
