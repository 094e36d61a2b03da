/** k0sctl: apply a cluster configuration, fetch its kubeconfig, reset it. */
import { runToolOrThrow, type ToolOptions } from './tool.js';

const quiet = (options: ToolOptions): ToolOptions => ({
  ...options,
  env: { ...(options.env ?? process.env), DISABLE_TELEMETRY: 'true' },
});

/** Idempotent: k0sctl re-reads every host and only does what is missing. */
export async function k0sctlApply(configPath: string, options: ToolOptions = {}): Promise<void> {
  await runToolOrThrow('k0sctl apply', 'k0sctl', ['apply', '--config', configPath], quiet(options));
}

/** The admin kubeconfig (secret: never streamed or logged). */
export async function k0sctlKubeconfig(configPath: string, options: ToolOptions = {}): Promise<string> {
  const result = await runToolOrThrow('k0sctl kubeconfig', 'k0sctl', ['kubeconfig', '--config', configPath], {
    ...quiet(options),
    secret: true,
  });
  return result.stdout;
}

export async function k0sctlReset(configPath: string, options: ToolOptions = {}): Promise<void> {
  await runToolOrThrow(
    'k0sctl reset',
    'k0sctl',
    ['reset', '--config', configPath, '--force'],
    quiet(options),
  );
}
