/**
 * The deployment files in docs/deploy/ cannot be run here (no Docker, systemd or Grafana), so this
 * checks what can be checked statically: every `serve` flag and CUPOLA_* variable they use exists,
 * the paths they copy exist, and every metric the Grafana dashboard queries is registered.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVE_FLAGS } from '../../src/cli/serve-options.ts';
import { SERVE_NODE_FLAGS } from '../../src/cli/node-flags.ts';
import { PUBLISHED_COMPRESSION_STATES as COMPRESSION_STATES } from '../../src/compression/compression-status.ts';
import { Metrics } from '../../src/metrics/metrics.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const deployDir = join(repo, 'docs/deploy');
const files = readdirSync(deployDir).map((name) => ({ name, text: readFileSync(join(deployDir, name), 'utf8') }));

/** `--no-compress` and `--api-port` from flag specs such as `--api-port <port>`. */
const knownFlags = new Set(SERVE_FLAGS.map((f) => f.flags.split(/\s+/)[0]!));
const knownEnv = new Set(SERVE_FLAGS.map((f) => f.env));

/**
 * The flags given to `serve` on lines that run Cupola: a compose/Dockerfile exec array whose first
 * item is "serve", or a command line that runs src/cli/main.ts, the built dist/src/cli/main.js or
 * the `cupola` bin.
 */
function serveFlags(text: string): { flag: string; line: string }[] {
  const out: { flag: string; line: string }[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) continue;
    let rest: string | undefined;
    const arr = /\[\s*"serve"(.*)\]/.exec(trimmed);
    if (arr) rest = arr[1];
    else {
      const cli = /(?:src\/cli\/main\.(?:ts|js)|\bcupola)\s+serve\b(.*)$/.exec(trimmed);
      if (cli) rest = cli[1];
    }
    if (rest === undefined) continue;
    for (const m of rest.matchAll(/(?<![\w-])--[a-z][a-z0-9-]*/g)) out.push({ flag: m[0], line: trimmed });
  }
  return out;
}

describe('docs/deploy', () => {
  it('has the Dockerfile, both compose layouts, the systemd unit, the env example and the Grafana dashboard', () => {
    const names = files.map((f) => f.name);
    for (const n of ['Dockerfile', 'compose.2-machine.yml', 'compose.3-machine.yml', 'cupola.service', 'cupola.env.example', 'grafana-dashboard.json', 'README.md']) {
      assert.ok(names.includes(n), `missing docs/deploy/${n}`);
    }
  });

  it('uses only serve flags that exist', () => {
    let seen = 0;
    for (const f of files) {
      for (const { flag, line } of serveFlags(f.text)) {
        seen++;
        assert.ok(knownFlags.has(flag), `${f.name}: ${flag} is not a serve flag (in: ${line})`);
      }
    }
    assert.ok(seen >= 5, `expected the compose files to pass flags to serve, found ${seen}`);
  });

  it('uses only CUPOLA_* variables that exist', () => {
    const used = new Set<string>();
    for (const f of files) {
      for (const m of f.text.matchAll(/\bCUPOLA_[A-Z0-9_]+/g)) {
        used.add(m[0]);
        assert.ok(knownEnv.has(m[0]), `${f.name}: ${m[0]} is not a serve variable`);
      }
    }
    // The env example documents every variable.
    const example = files.find((f) => f.name === 'cupola.env.example')!.text;
    for (const env of knownEnv) assert.match(example, new RegExp(`\\b${env}=`), `cupola.env.example lacks ${env}`);
    assert.ok(used.size >= knownEnv.size);
  });

  it('lays out the roles as the docs say', () => {
    const two = files.find((f) => f.name === 'compose.2-machine.yml')!.text;
    const three = files.find((f) => f.name === 'compose.3-machine.yml')!.text;
    assert.match(two, /"--role", "slave"\]/);
    assert.match(two, /"--role", "master", "--upstream", "http:\/\/slave:8080"/);
    assert.match(three, /"--role", "slave", "--no-compress"/);
    assert.match(three, /"--role", "compressor", "--upstream", "http:\/\/slave:8080"/);
    assert.match(three, /"--role", "master", "--upstream", "http:\/\/slave:8080"/);
    for (const t of [two, three]) {
      assert.match(t, /dockerfile: docs\/deploy\/Dockerfile/);
      assert.match(t, /image: mongo:/);
      assert.match(t, /replicaSet=rs0/);
    }
  });

  it('copies paths that exist, runs as a non-root user and health-checks /healthz', () => {
    const docker = files.find((f) => f.name === 'Dockerfile')!.text;
    assert.match(docker, /^FROM node:20-bookworm/m);
    assert.match(docker, /^USER cupola$/m);
    assert.match(docker, /^HEALTHCHECK .*\n?.*\/healthz/m);
    for (const m of docker.matchAll(/^COPY (.+) \S+$/gm)) {
      for (const src of m[1]!.split(/\s+/)) assert.ok(existsSync(join(repo, src)), `Dockerfile copies missing ${src}`);
    }
    const entry = /ENTRYPOINT (\[.*\])/.exec(docker);
    assert.ok(entry);
    const args = JSON.parse(entry[1]!) as string[];
    assert.deepEqual(args, ['node', ...SERVE_NODE_FLAGS, 'dist/src/cli/main.js'], 'the image runs the built JavaScript with the launcher node flags, no tsx loader');
    assert.match(docker, /^RUN node scripts\/build\.mjs$/m, 'the image builds dist/ after copying the sources');
    const unit = files.find((f) => f.name === 'cupola.service')!.text;
    assert.match(unit, /^User=cupola$/m);
    assert.match(unit, new RegExp(`^ExecStart=/usr/bin/node ${SERVE_NODE_FLAGS.join(' ')} /opt/cupola/dist/src/cli/main\\.js serve$`, 'm'));
    assert.ok(existsSync(join(repo, 'src/cli/main.ts')));
  });

  it('queries only metrics the metrics module registers', async () => {
    const registered = new Set((await new Metrics().registry.getMetricsAsJSON()).map((m) => m.name));
    const dash = JSON.parse(files.find((f) => f.name === 'grafana-dashboard.json')!.text) as { panels: { title: string; targets?: { expr: string }[] }[] };
    let exprs = 0;
    for (const p of dash.panels) {
      for (const t of p.targets ?? []) {
        exprs++;
        const names = [...t.expr.matchAll(/\b(?:cupola|process|nodejs)_[a-z0-9_]+/g)].map((m) => m[0]);
        assert.ok(names.length > 0, `${p.title}: no metric in ${t.expr}`);
        for (const n of names) {
          const base = n.replace(/_(bucket|sum|count)$/, '');
          assert.ok(registered.has(n) || registered.has(base), `${p.title}: ${n} is not registered by src/metrics`);
        }
      }
    }
    assert.ok(exprs >= 20);
  });
});

describe('deploy files agree with each other and with the code (issue 16.10)', () => {
  const unit = files.find((f) => f.name === 'cupola.service')!.text;
  const readme = files.find((f) => f.name === 'README.md')!.text;

  it("the unit's install comments are the README's systemd commands", () => {
    const fromUnit = unit.split('\n').filter((l) => l.startsWith('#   sudo ')).map((l) => l.slice(4).trim());
    const block = /## systemd\s+```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const fromReadme = block.split('\n').filter((l) => l.startsWith('sudo ')).map((l) => l.replace(/\s+#.*$/, '').trim());
    assert.ok(fromReadme.length >= 4, 'the README lists the install commands');
    assert.deepEqual(fromUnit, fromReadme);
  });

  it('PrivateDevices=yes comes with the /dev/dri override VAAPI needs, in the unit and the README', () => {
    assert.match(unit, /^PrivateDevices=yes$/m);
    for (const text of [unit, readme]) {
      assert.match(text, /PrivateDevices=no/);
      assert.match(text, /DeviceAllow=\/dev\/dri\/renderD128 rw/);
    }
  });

  it('the cupola_compression_state row of docs/operations.md names every exported state', () => {
    const ops = readFileSync(join(repo, 'docs/operations.md'), 'utf8');
    const row = ops.split('\n').find((l) => l.startsWith('| `cupola_compression_state`'));
    assert.ok(row);
    for (const s of COMPRESSION_STATES) assert.match(row, new RegExp(`\`${s}\``), `state ${s}`);
  });
});
