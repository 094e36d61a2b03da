/** k0sctl: apply a cluster configuration, reset it. */
import { runToolOrThrow, type ToolOptions } from './tool.js';

const quiet = (options: ToolOptions): ToolOptions => ({
  ...options,
  env: { ...(options.env ?? process.env), DISABLE_TELEMETRY: 'true' },
});

/** Idempotent: k0sctl re-reads every host and only does what is missing. */
export async function k0sctlApply(configPath: string, options: ToolOptions = {}): Promise<void> {
  await runToolOrThrow('k0sctl apply', 'k0sctl', ['apply', '--config', configPath], quiet(options));
}

export async function k0sctlReset(configPath: string, options: ToolOptions = {}): Promise<void> {
  await runToolOrThrow(
    'k0sctl reset',
    'k0sctl',
    ['reset', '--config', configPath, '--force'],
    quiet(options),
  );
}
