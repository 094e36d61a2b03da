/** helm: the idempotent install (`upgrade --install`), a release's status, and uninstall. */
import { runTool, runToolOrThrow, ToolFailedError, type ToolOptions } from './tool.js';

export interface HelmRelease {
  readonly release: string;
  readonly namespace: string;
  readonly kubeconfig: string;
}

export interface HelmChartInstall extends HelmRelease {
  /** An OCI reference, or a chart name in `repo`. */
  readonly chart: string;
  readonly version: string;
  readonly timeoutSeconds: number;
  /** A classic chart repository's URL (`--repo`), for a chart given by name. */
  readonly repo?: string;
  /** Values, each `--set key=value`: plain names, numbers and booleans (no commas, no file). */
  readonly values?: Readonly<Record<string, string>>;
  /** Start from the chart's values rather than the release's last ones (`--reset-values`). */
  readonly resetValues?: boolean;
}

export async function helmUpgradeInstall(target: HelmChartInstall, options: ToolOptions = {}): Promise<void> {
  await runToolOrThrow(
    `helm upgrade --install ${target.release}`,
    'helm',
    [
      'upgrade',
      '--install',
      target.release,
      target.chart,
      ...(target.repo ? ['--repo', target.repo] : []),
      '--version',
      target.version,
      '--namespace',
      target.namespace,
      '--create-namespace',
      ...(target.resetValues ? ['--reset-values'] : []),
      ...Object.entries(target.values ?? {}).flatMap(([key, value]) => ['--set', `${key}=${value}`]),
      '--wait',
      '--timeout',
      `${target.timeoutSeconds}s`,
      '--kubeconfig',
      target.kubeconfig,
    ],
    options,
  );
}

export interface HelmStatus {
  readonly status: string;
  readonly chartVersion: string | undefined;
}

const NOT_FOUND = /release: not found/i;

/** The release's status, or undefined when it does not exist. */
export async function helmStatus(
  target: HelmRelease,
  options: ToolOptions = {},
): Promise<HelmStatus | undefined> {
  const result = await runTool(
    'helm',
    [
      'status',
      target.release,
      '--namespace',
      target.namespace,
      '--kubeconfig',
      target.kubeconfig,
      '--output',
      'json',
    ],
    { ...options, onLine: (line, stream) => stream === 'stderr' && options.onLine?.(line, stream) },
  );
  if (result.exitCode !== 0) {
    if (result.stderrTail.some((line) => NOT_FOUND.test(line))) return undefined;
    throw new ToolFailedError(`helm status ${target.release} failed`, result.exitCode, result.stderrTail);
  }
  const parsed = JSON.parse(result.stdout) as {
    info?: { status?: string };
    chart?: { metadata?: { version?: string } };
  };
  return { status: parsed.info?.status ?? 'unknown', chartVersion: parsed.chart?.metadata?.version };
}

/** Uninstalls the release; `absent` when there was none. */
export async function helmUninstall(
  target: HelmRelease,
  options: ToolOptions = {},
): Promise<'uninstalled' | 'absent'> {
  const result = await runTool(
    'helm',
    [
      'uninstall',
      target.release,
      '--namespace',
      target.namespace,
      '--kubeconfig',
      target.kubeconfig,
      '--wait',
    ],
    options,
  );
  if (result.exitCode === 0) return 'uninstalled';
  if (result.stderrTail.some((line) => NOT_FOUND.test(line))) return 'absent';
  throw new ToolFailedError(`helm uninstall ${target.release} failed`, result.exitCode, result.stderrTail);
}
