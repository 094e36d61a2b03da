#!/usr/bin/env node
// The k0rdent-deploy command: scripts/bundle.js copies this file to dist/cli.js. It stays tiny and
// parses on any Node.js with ES modules, so that an older Node gets advice instead of a syntax error.
import { readFileSync } from 'fs';
import nodeModule from 'module';

if (Number(process.versions.node.split('.')[0]) < 24) {
  // Runs the clone's pinned Node 24 when `npm ci` installed it; otherwise says what to do.
  await import('./older-node.js');
} else {
  // Cached bytecode makes every later start of the bundle cheaper (the CLI runs once per phase in CI).
  nodeModule.enableCompileCache?.();
  const { runCli } = await import('./index.js');
  // dist/package.json carries the version it was built as (scripts/bundle.js).
  const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
  process.exitCode = await runCli(process.argv.slice(2), {
    cliPath: new URL(import.meta.url).pathname,
    version,
  });
}
