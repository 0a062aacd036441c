#!/usr/bin/env node
// Entry for the `cupola` bin: registers tsx so the TypeScript sources run directly (no build step).
import { register } from 'tsx/esm/api';
register();
await import('../src/cli/main.ts');
