/**
 * A VM's sshd, for real: Debian's OpenSSH server on 127.0.0.1 and a free port, with its configuration,
 * host key and authorized_keys in a temporary folder. It runs unprivileged (uid 65534) in a private
 * mount namespace whose /etc/passwd names the VM's admin user with that uid and whose /var/lib is the
 * VM's own folder, so the paths the phases read on a VM (/var/lib/k0s/pki/admin.conf) are real paths
 * there. The admin user's PATH starts with stand-ins for what the image provides and this machine must
 * not be asked for: `cloud-init status` (from a script of statuses) and Azure's passwordless `sudo`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { command, mustRun, which } from './netns.js';

/** The unprivileged uid sshd and the VM's admin user run as (Debian's `nobody`). */
const VM_UID = 65534;

export interface VmSshd {
  readonly port: number;
  readonly user: string;
  /** The folder holding the VM's filesystem stand-in; `/var/lib` of the VM is `<root>/var-lib`. */
  readonly root: string;
  /** Writes a file at a path under /var/lib of the VM. */
  writeVarLib(path: string, content: string): void;
  /** What `cloud-init status` reports, one call per entry; the last one stays. */
  scriptCloudInit(statuses: readonly string[]): void;
  /** How many times `cloud-init status` was asked. */
  cloudInitCalls(): number;
  setAuthorizedKey(publicKey: string): void;
  /** Makes a new host key: the next start answers with it, as a replaced VM would. */
  newHostKey(): Promise<void>;
  readonly running: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** sshd's own log (its stderr). */
  log(): string;
  cleanup(): Promise<void>;
}

export function missingForSshd(): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0)
    missing.push(
      'root: sshd runs in a private mount namespace as an unprivileged user (CI runs the tests as root)',
    );
  for (const [name, pkg] of [
    ['sshd', 'openssh-server'],
    ['ssh', 'openssh-client'],
    ['ssh-keygen', 'openssh-client'],
    ['unshare', 'util-linux'],
    ['setpriv', 'util-linux'],
  ] as const)
    if (!which(name)) missing.push(`${name}: install Debian's ${pkg} (.ci/run does)`);
  return missing;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function chownTree(path: string): void {
  chownSync(path, VM_UID, VM_UID);
  if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) chownTree(join(path, entry));
}

const CLOUD_INIT = `#!/bin/sh
# cloud-init 22.4's \`status\` as the VM's admin user sees it: "status: <state>" on stdout, exit 1 for
# error, 0 otherwise; any other use is refused as cloud-init's argument parser refuses it.
if [ "$#" -ne 1 ] || [ "$1" != status ]; then
  echo "usage: cloud-init [-h] [--version] [--file FILES] [--debug] [--force] {init,modules,single,query,dhclient-hook,features,analyze,devel,collect-logs,clean,status,schema} ..." >&2
  echo "cloud-init: error: this stand-in knows only 'cloud-init status'" >&2
  exit 2
fi
dir=$(dirname "$0")/../cloud-init
calls=$(($(cat "$dir/calls") + 1))
echo "$calls" > "$dir/calls"
state=$(sed -n "\${calls}p" "$dir/script")
[ -n "$state" ] || state=$(tail -n 1 "$dir/script")
echo "status: $state"
[ "$state" = error ] && exit 1
exit 0
`;

const SUDO = `#!/bin/sh
# Azure's admin user may run anything without a password (NOPASSWD); non-interactive use says -n.
if [ "$1" != -n ]; then
  echo "sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper" >&2
  exit 1
fi
shift
exec "$@"
`;

export async function startVmSshd(options: { user: string; authorizedKey: string }): Promise<VmSshd> {
  const sshd = which('sshd');
  const unshare = which('unshare');
  const setpriv = which('setpriv');
  if (!sshd || !unshare || !setpriv) throw new Error(`missing: ${missingForSshd().join('; ')}`);
  const root = mkdtempSync(join(tmpdir(), 'k0rdent-vm-sshd-'));
  chmodSync(root, 0o755);
  const paths = {
    etc: join(root, 'etc'),
    home: join(root, 'home', options.user),
    bin: join(root, 'bin'),
    varLib: join(root, 'var-lib'),
    cloudInit: join(root, 'cloud-init'),
    hostKey: join(root, 'etc', 'ssh_host_ed25519_key'),
  };
  for (const dir of Object.values(paths).filter((p) => p !== paths.hostKey))
    mkdirSync(dir, { recursive: true });
  mkdirSync(join(paths.home, '.ssh'), { mode: 0o700 });
  const authorizedKeys = join(paths.home, '.ssh', 'authorized_keys');
  writeFileSync(authorizedKeys, `${options.authorizedKey.trim()}\n`, { mode: 0o600 });
  writeFileSync(join(paths.bin, 'cloud-init'), CLOUD_INIT, { mode: 0o755 });
  writeFileSync(join(paths.bin, 'sudo'), SUDO, { mode: 0o755 });
  writeFileSync(join(paths.cloudInit, 'script'), 'done\n');
  writeFileSync(join(paths.cloudInit, 'calls'), '0\n');
  // The machine's users, and the VM's admin user with the unprivileged uid.
  const passwd = join(paths.etc, 'passwd');
  const hostPasswd = (await mustRun('getent', ['passwd']))
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith(`${options.user}:`));
  writeFileSync(
    passwd,
    [...hostPasswd, `${options.user}:x:${VM_UID}:${VM_UID}:VM admin user:${paths.home}:/bin/sh`, ''].join(
      '\n',
    ),
  );
  const printed = await command(sshd, ['-V']);
  const version = /OpenSSH_(\d+)\.(\d+)/.exec(`${printed.stdout}${printed.stderr}`);
  const port = await freePort();
  const config = join(paths.etc, 'sshd_config');
  writeFileSync(
    config,
    [
      'ListenAddress 127.0.0.1',
      `Port ${port}`,
      `HostKey ${paths.hostKey}`,
      `PidFile ${join(root, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      `AllowUsers ${options.user}`,
      `SetEnv PATH=${paths.bin}:/usr/local/bin:/usr/bin:/bin`,
      // OpenSSH 9.8 and later would lock out 127.0.0.1 after the refused-key test.
      ...(version && (Number(version[1]) > 9 || (Number(version[1]) === 9 && Number(version[2]) >= 8))
        ? ['PerSourcePenalties no']
        : []),
      '',
    ].join('\n'),
  );
  const makeHostKey = async () => {
    rmSync(paths.hostKey, { force: true });
    rmSync(`${paths.hostKey}.pub`, { force: true });
    await mustRun('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'vm-host-key', '-f', paths.hostKey]);
    chownTree(paths.etc);
  };
  await makeHostKey();
  chownTree(root);

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let stderr = '';
  const vm: VmSshd = {
    port,
    user: options.user,
    root,
    writeVarLib(path, content) {
      const file = join(paths.varLib, path.replace(/^\/var\/lib\//, ''));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content, { mode: 0o600 });
      chownTree(paths.varLib);
    },
    scriptCloudInit(statuses) {
      writeFileSync(join(paths.cloudInit, 'script'), `${statuses.join('\n')}\n`);
      writeFileSync(join(paths.cloudInit, 'calls'), '0\n');
      chownTree(paths.cloudInit);
    },
    cloudInitCalls() {
      return Number(readText(join(paths.cloudInit, 'calls')).trim());
    },
    setAuthorizedKey(publicKey) {
      writeFileSync(authorizedKeys, `${publicKey.trim()}\n`, { mode: 0o600 });
      chownTree(join(paths.home, '.ssh'));
    },
    newHostKey: makeHostKey,
    get running() {
      return child !== undefined;
    },
    async start() {
      if (child) return;
      stderr = '';
      const started = spawn(
        unshare,
        [
          '--mount',
          '--propagation',
          'private',
          '--',
          '/bin/sh',
          '-c',
          'mount --bind "$1" /etc/passwd && mount --bind "$2" /var/lib && exec "$3" --reuid "$4" --regid "$4" --clear-groups "$5" -D -e -f "$6"',
          'vm-sshd',
          passwd,
          paths.varLib,
          setpriv,
          String(VM_UID),
          sshd,
          config,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      child = started;
      exited = new Promise((resolve) => started.once('exit', () => resolve()));
      started.stderr.setEncoding('utf8');
      started.stderr.on('data', (chunk: string) => (stderr += chunk));
      // Ready when it says it listens; bounded, and an early exit is reported with its log.
      for (let i = 0; i < 100; i++) {
        if (stderr.includes(`Server listening on 127.0.0.1 port ${port}`)) return;
        if (started.exitCode !== null) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await vm.stop();
      throw new Error(`sshd did not start on 127.0.0.1:${port}:\n${stderr}`);
    },
    async stop() {
      const running = child;
      if (!running) return;
      child = undefined;
      if (running.exitCode === null) running.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      if (running.exitCode === null && running.signalCode === null) running.kill('SIGKILL');
    },
    log: () => stderr,
    async cleanup() {
      await vm.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
  return vm;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '0';
  }
}
