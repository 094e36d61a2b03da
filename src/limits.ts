/**
 * Size limits on what k0rdent-deploy reads and stores, so that a hostile or runaway input is
 * refused with a message instead of exhausting memory. Configurable through the environment (in a
 * workflow, `env:` on the step or the job), read where a file is about to be read or recorded.
 */
import { UserError } from './errors.js';

export interface Limits {
  /** A state document, in bytes. */
  readonly maxStateBytes: number;
  /** One artifact file, in bytes. */
  readonly maxArtifactBytes: number;
}

export const LIMIT_ENV = {
  maxStateBytes: 'K0RDENT_MAX_STATE_BYTES',
  maxArtifactBytes: 'K0RDENT_MAX_ARTIFACT_BYTES',
} as const;

const DEFAULTS: Limits = { maxStateBytes: 32 * 1024 * 1024, maxArtifactBytes: 64 * 1024 * 1024 };

export function limits(env: NodeJS.ProcessEnv = process.env): Limits {
  const read = (key: keyof Limits): number => {
    const text = env[LIMIT_ENV[key]];
    if (text === undefined || text === '') return DEFAULTS[key];
    const value = Number(text);
    if (!Number.isInteger(value) || value <= 0) {
      throw new UserError(`${LIMIT_ENV[key]} must be a positive whole number of bytes, not "${text}"`);
    }
    return value;
  };
  return { maxStateBytes: read('maxStateBytes'), maxArtifactBytes: read('maxArtifactBytes') };
}
