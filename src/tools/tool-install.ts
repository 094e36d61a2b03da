/**
 * On a GitHub runner: k0sctl and helm at the configured versions, from the runner's tool cache, else
 * from the Actions cache (kept across runs), else downloaded once and saved to both. Loaded only on a
 * runner; errors of the Actions cache are warnings (it is an optimisation, the download is the truth).
 */
import { chmod, copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface ToolSpec {
  readonly name: 'k0sctl' | 'helm';
  readonly version: string;
  /** URL template with {version}, {os}, {arch}; a `.tar.gz` is unpacked and the binary found in it. */
  readonly urlTemplate: string;
}

export interface InstallReport {
  readonly dir: string;
  readonly source: 'tool-cache' | 'actions-cache' | 'download';
}

export function platformOf(): { os: string; arch: string } {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : process.arch;
  return { os: process.platform === 'darwin' ? 'darwin' : 'linux', arch };
}

export function downloadUrl(spec: ToolSpec): string {
  const { os, arch } = platformOf();
  return spec.urlTemplate
    .replaceAll('{version}', spec.version.replace(/^v/, ''))
    .replaceAll('{os}', os)
    .replaceAll('{arch}', arch);
}

export async function installTool(
  spec: ToolSpec,
  warn: (message: string) => void = () => undefined,
): Promise<InstallReport> {
  const tc = await import('@actions/tool-cache');
  const version = spec.version.replace(/^v/, '');
  const { os, arch } = platformOf();
  const cached = tc.find(spec.name, version);
  if (cached) return { dir: cached, source: 'tool-cache' };

  const stage = join(
    process.env.RUNNER_TEMP ?? '/tmp',
    'k0rdent-deploy-tools',
    `${spec.name}-${version}-${os}-${arch}`,
  );
  const key = `k0rdent-deploy-tool-${spec.name}-${version}-${os}-${arch}`;
  const cache = await import('@actions/cache');
  const cacheAvailable = cache.isFeatureAvailable();
  if (cacheAvailable) {
    try {
      if (
        (await cache.restoreCache([stage], key)) !== undefined &&
        (await isExecutable(join(stage, spec.name)))
      ) {
        return { dir: await tc.cacheDir(stage, spec.name, version), source: 'actions-cache' };
      }
    } catch (error) {
      warn(`restoring ${spec.name} ${version} from the Actions cache failed: ${(error as Error).message}`);
    }
  }

  const downloaded = await tc.downloadTool(downloadUrl(spec));
  await mkdir(stage, { recursive: true });
  const target = join(stage, spec.name);
  if (/\.t(ar\.)?gz$/.test(spec.urlTemplate)) {
    const unpacked = await tc.extractTar(downloaded);
    const binary = await findFile(unpacked, spec.name, 3);
    if (!binary) throw new Error(`${downloadUrl(spec)} has no ${spec.name} binary inside`);
    await copyFile(binary, target);
  } else {
    await copyFile(downloaded, target);
  }
  await chmod(target, 0o755);
  const dir = await tc.cacheDir(stage, spec.name, version);
  if (cacheAvailable) {
    try {
      await cache.saveCache([stage], key);
    } catch (error) {
      warn(`saving ${spec.name} ${version} to the Actions cache failed: ${(error as Error).message}`);
    }
  }
  return { dir, source: 'download' };
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    return ((await stat(path)).mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

async function findFile(dir: string, name: string, depth: number): Promise<string | undefined> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isFile() && entry.name === name) return path;
    if (entry.isDirectory() && depth > 0) {
      const found = await findFile(path, name, depth - 1);
      if (found) return found;
    }
  }
  return undefined;
}
