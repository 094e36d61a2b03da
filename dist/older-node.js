// dist/cli.js imports this on a Node.js older than 24 (scripts/bundle.js copies it into dist/).
// Inside a clone after `npm ci`, the pinned Node 24 is in node_modules: the command runs under it.
// Anywhere else the user learns exactly what to install or run. Plain syntax that Node 14 parses.
import { spawn } from 'child_process';
import { existsSync } from 'fs';
import { dirname, join, resolve } from 'path';
import { fileURLToPath } from 'url';

const REQUIRED = 24;
const dist = dirname(fileURLToPath(import.meta.url));
const root = resolve(dist, '..');
const pinned = join(root, 'node_modules', 'node', 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
const current = `this is Node.js ${process.version} (${process.execPath})`;

if (existsSync(pinned)) {
  const child = spawn(pinned, [join(dist, 'cli.js'), ...process.argv.slice(2)], { stdio: 'inherit' });
  // Ctrl-C reaches the child through the terminal's process group; a signal sent to this process
  // alone is passed on, so that `kill` stops the real work.
  process.on('SIGINT', () => undefined);
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    process.stderr.write(`k0rdent-deploy: could not start ${pinned}: ${error.message}\n`);
    process.exit(2);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    process.exit(code === null ? 1 : code);
  });
} else if (existsSync(join(root, 'package-lock.json'))) {
  // A clone (the published package has no lock file) on which `npm ci` has not run yet.
  process.stderr.write(
    `k0rdent-deploy needs Node.js ${REQUIRED} or newer, and ${current}.\n` +
      `This clone has no Node.js ${REQUIRED} yet: run \`npm ci\` in ${root} (it installs Node.js ${REQUIRED} into ` +
      `node_modules), then run your command again; ${join(root, 'bin', 'k0rdent-deploy')} starts fastest.\n`,
  );
  process.exitCode = 2;
} else {
  process.stderr.write(
    `k0rdent-deploy needs Node.js ${REQUIRED} or newer, and ${current}.\n` +
      `Install Node.js ${REQUIRED} (https://nodejs.org/en/download, or \`nvm install ${REQUIRED}\`), put it first on PATH ` +
      `and run your command again.\n`,
  );
  process.exitCode = 2;
}
