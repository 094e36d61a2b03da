// A recording stand-in for k0sctl, helm, kubectl, wg-quick, wg, ping, ssh, apt-get and sudo. Every call
// is appended to $SHIM_STATE/calls.jsonl; rules in $SHIM_STATE/rules.json make a call fail on cue; the
// shared state (world.js) makes the tools agree with each other and with the machines the fake ARM
// server holds. How strict each tool is, and why, is in net.js and k0s.js.
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { helm, k0sctl, kubectl, remoteCommand } from './k0s.js';
import { fail, ping, ssh, wg, wgQuick } from './net.js';
import { loadWorld, readJson, saveWorld, stateDir, writeJson } from './world.js';

const [tool, ...args] = process.argv.slice(2);
if (!stateDir) {
  process.stderr.write('shim: SHIM_STATE is not set\n');
  process.exit(70);
}
// `at` is wall-clock time in ms (sub-ms precision), comparable with the fake servers' request times.
const at = performance.timeOrigin + performance.now();
appendFileSync(join(stateDir, 'calls.jsonl'), JSON.stringify({ tool, args, at }) + '\n');

// Failures on cue: the first rule whose tool matches and whose `match` is in the joined arguments.
const rules = readJson('rules.json', []);
const joined = args.join(' ');
const rule = rules.find((r) => r.tool === tool && r.times > 0 && joined.includes(r.match ?? ''));
if (rule) {
  rule.times -= 1;
  writeJson('rules.json', rules);
  if (rule.stdout) process.stdout.write(rule.stdout);
  process.stderr.write(rule.stderr ?? `${tool}: failing on cue\n`);
  process.exit(rule.exit ?? 1);
}

const world = loadWorld();
const save = () => saveWorld(world);

switch (tool) {
  case 'k0sctl':
    k0sctl(args, world, save);
    break;
  case 'helm':
    helm(args, world, save);
    break;
  case 'kubectl':
    kubectl(args, world, save);
    break;
  case 'wg-quick':
    wgQuick(args, world, save);
    break;
  case 'wg':
    wg(args, world);
    break;
  case 'ssh':
    ssh(args, world, (command, machine, address) => remoteCommand(command, machine, address, world, save));
    break;
  case 'ping':
    ping(args, world);
    break;
  case 'apt-get': {
    // Installing wireguard-tools puts wg and wg-quick shims next to this one.
    if (args.includes('wireguard-tools')) {
      const dir = process.env.SHIM_INSTALL_DIR;
      for (const name of ['wg', 'wg-quick']) {
        const path = join(dir, name);
        writeFileSync(
          path,
          `#!/bin/sh\nexec "${process.execPath}" "${process.env.SHIM_SCRIPT}" ${name} "$@"\n`,
        );
        chmodSync(path, 0o755);
      }
    }
    break;
  }
  case 'sudo': {
    // The runner's passwordless sudo: run the command as it is.
    const result = spawnSync(args[0], args.slice(1), { stdio: 'inherit' });
    process.exit(result.status ?? 1);
    break;
  }
  default:
    fail(`shim: unknown tool ${tool}`, 70);
}
