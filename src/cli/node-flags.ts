/**
 * The V8 flags every launcher of `cupola serve` passes to node (they must be given at start-up: V8
 * sizes its heap when the process starts). `--max-semi-space-size=2` caps the young generation at
 * 2 MB per semi-space instead of V8's 16 MB: under load the young generation grew to 32 MB that
 * were mostly empty (RSS at 1200 readers -20 to -30 MB, at 100 publishers -25 to -30 MB, idle
 * -7 MB, CPU per GB and per Mbit/s within the noise; docs/benchmarks.md, "Memory targets").
 *
 * The same flags are written in package.json (`start`, `start:dev`, `demo`), bin/cupola.js (its
 * shebang), docs/deploy/Dockerfile (ENTRYPOINT) and docs/deploy/cupola.service (ExecStart); the demo
 * passes these to its nodes. test/unit/src/cli/node-flags.test.ts checks that they all agree.
 */
export const SERVE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];
