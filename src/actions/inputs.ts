/**
 * Each action's inputs, read once into a typed object. Empty means absent; booleans are strictly
 * `true` or `false`; a bad value is an ActionInputError that names the input and says what to write.
 */
import * as z from 'zod/mini';
import { UserError } from '../errors.js';
import { registerSecret } from '../secrets.js';
import {
  DEPLOYMENT_ID_PATTERN,
  DEPLOYMENT_ID_RULE,
  SNAKE_NAME_PATTERN,
  SNAKE_NAME_RULE,
} from '../state/names.js';
import { parseBlobLocation, STATE_URL_ENV, type BlobLocation } from '../stores/blob-location.js';
import { STATE_BACKEND_ENV } from '../stores/blob-store.js';
import { Inputs, STATE_BACKENDS, type StateBackend } from './constants.js';

/** A user mistake in the workflow file: the message names the input. */
export class ActionInputError extends UserError {
  override readonly name = 'ActionInputError';
}

/** Reads one raw input (core.getInput in an action, a map in tests). */
export type InputReader = (name: string) => string;

const phaseName = z.string().check(z.regex(SNAKE_NAME_PATTERN, `expected a phase name, ${SNAKE_NAME_RULE}`));
const deploymentId = z
  .string()
  .check(z.regex(DEPLOYMENT_ID_PATTERN, `expected a deployment id: ${DEPLOYMENT_ID_RULE}`));

function parse<T>(read: InputReader, name: string, schema: z.ZodMiniType<T>): T | undefined {
  const raw = read(name).trim();
  if (raw === '') return undefined;
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  throw new ActionInputError(
    `input ${name}: "${raw}" is not valid: ${result.error.issues[0]?.message ?? 'unexpected value'}`,
  );
}

function required<T>(read: InputReader, name: string, schema: z.ZodMiniType<T>): T {
  const value = parse(read, name, schema);
  if (value === undefined) throw new ActionInputError(`input ${name} is required`);
  return value;
}

function flag(read: InputReader, name: string, fallback = false): boolean {
  const raw = read(name).trim();
  if (raw === '') return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ActionInputError(`input ${name}: "${raw}" is not valid: write true or false`);
}

function text(read: InputReader, name: string): string | undefined {
  const raw = read(name);
  return raw.trim() === '' ? undefined : raw;
}

/** Where the deployment comes from, and where its state lives: shared by every action. */
export interface CommonInputs {
  readonly pipeline?: string;
  readonly config?: string;
  readonly deploymentId?: string;
  readonly stateBackend: StateBackend;
  /** The azure-blob backend's container (state-url, else K0RDENT_STATE_URL). */
  readonly stateUrl?: BlobLocation;
  readonly githubToken?: string;
  /** The state-key secret (encrypts sensitive files, authenticates snapshots), and the one it replaces. */
  readonly stateKey?: string;
  readonly previousStateKey?: string;
  /** Days the state artifacts are kept; the repository's default when absent. */
  readonly retentionDays?: number;
  /** Optional phases switched on or off for this step (the CLI's `--enable` / `--disable`). */
  readonly enable?: readonly string[];
  readonly disable?: readonly string[];
}

/** GitHub's upper bound; a repository may set a lower one, which GitHub applies itself. */
const MAX_RETENTION_DAYS = 400;

const retentionDays = z
  .pipe(
    z.string().check(z.regex(/^\d+$/, `expected a whole number of days from 1 to ${MAX_RETENTION_DAYS}`)),
    z.transform(Number),
  )
  .check(
    z.refine((days) => days >= 1 && days <= MAX_RETENTION_DAYS, {
      error: `expected a whole number of days from 1 to ${MAX_RETENTION_DAYS}`,
    }),
  );

function common(read: InputReader, env: NodeJS.ProcessEnv = process.env): CommonInputs {
  const pipeline = text(read, Inputs.pipeline)?.trim();
  const config = text(read, Inputs.config)?.trim();
  if (pipeline !== undefined && config !== undefined) {
    throw new ActionInputError(
      `inputs ${Inputs.pipeline} and ${Inputs.config} are both set: use pipeline for phases of your own, config for the built-in k0rdent phases`,
    );
  }
  const { backend, stateUrl } = backendInputs(read, env);
  const id = parse(read, Inputs.deploymentId, deploymentId);
  const token = text(read, Inputs.githubToken)?.trim();
  const keys = stateKeyInputs(read);
  return {
    ...keys,
    ...retentionInput(read),
    ...(pipeline === undefined ? {} : { pipeline }),
    ...(config === undefined ? {} : { config }),
    ...(id === undefined ? {} : { deploymentId: id }),
    stateBackend: backend,
    ...(stateUrl === undefined ? {} : { stateUrl }),
    ...(token === undefined ? {} : { githubToken: token }),
  };
}

/**
 * `state-backend` and `state-url`, falling back to K0RDENT_STATE_BACKEND and K0RDENT_STATE_URL (so a
 * workflow can set them once in `env:`); a URL without a backend means azure-blob.
 */
export function backendInputs(
  read: InputReader,
  env: NodeJS.ProcessEnv = process.env,
): { backend: StateBackend; stateUrl?: BlobLocation } {
  const given = read(Inputs.stateBackend).trim();
  const fromEnv = env[STATE_BACKEND_ENV]?.trim();
  const raw = given !== '' && given !== 'auto' ? given : fromEnv || given || 'auto';
  const source = given !== '' && given !== 'auto' ? `input ${Inputs.stateBackend}` : STATE_BACKEND_ENV;
  if (!(STATE_BACKENDS as readonly string[]).includes(raw)) {
    throw new ActionInputError(`${source}: "${raw}" is not valid: write one of ${STATE_BACKENDS.join(', ')}`);
  }
  const urlInput = read(Inputs.stateUrl).trim();
  const urlText = urlInput || env[STATE_URL_ENV]?.trim() || '';
  const urlSource = urlInput ? `input ${Inputs.stateUrl}` : STATE_URL_ENV;
  let backend = raw as StateBackend;
  if (backend === 'auto' && urlText !== '') backend = 'azure-blob';
  if (backend === 'azure-blob' && urlText === '') {
    throw new ActionInputError(
      `${Inputs.stateBackend} is azure-blob, but ${Inputs.stateUrl} is empty: set it to the container, e.g. ` +
        'https://ACCOUNT.blob.core.windows.net/CONTAINER',
    );
  }
  if (backend !== 'azure-blob') {
    if (urlInput !== '') {
      throw new ActionInputError(
        `input ${Inputs.stateUrl} is set, but ${Inputs.stateBackend} is ${backend}: the URL is only for azure-blob`,
      );
    }
    return { backend };
  }
  try {
    return { backend, stateUrl: parseBlobLocation(urlText, urlSource) };
  } catch (error) {
    if (error instanceof UserError) throw new ActionInputError(error.message);
    throw error;
  }
}

/** `retention-days`, for the main and the post step alike. */
export function retentionInput(read: InputReader): { retentionDays?: number } {
  const days = parse(read, Inputs.retentionDays, retentionDays);
  return days === undefined ? {} : { retentionDays: days };
}

/** The key inputs, masked the moment they are read. */
export function stateKeyInputs(read: InputReader): { stateKey?: string; previousStateKey?: string } {
  const stateKey = text(read, Inputs.stateKey)?.trim();
  const previousStateKey = text(read, Inputs.previousStateKey)?.trim();
  for (const secret of [stateKey, previousStateKey]) if (secret !== undefined) registerSecret(secret);
  if (previousStateKey !== undefined && stateKey === undefined) {
    throw new ActionInputError(
      `input ${Inputs.previousStateKey} is set without ${Inputs.stateKey}: a rotation needs the new key as ${Inputs.stateKey}`,
    );
  }
  return {
    ...(stateKey === undefined ? {} : { stateKey }),
    ...(previousStateKey === undefined ? {} : { previousStateKey }),
  };
}

/** A list of phase names (`needs`, `enable`, `disable`): separated by commas, spaces or new lines. */
function phaseList(read: InputReader, input: string): string[] {
  const raw = read(input).trim();
  if (raw === '') return [];
  return raw.split(/[\s,]+/).map((name) => {
    const result = phaseName.safeParse(name);
    if (!result.success) {
      throw new ActionInputError(`input ${input}: "${name}" is not a phase name (${SNAKE_NAME_RULE})`);
    }
    return result.data;
  });
}

/** `enable` and `disable`: which optional phases this step switches on or off, whatever the file says. */
function switchInputs(read: InputReader): { enable?: string[]; disable?: string[] } {
  const enable = phaseList(read, Inputs.enable);
  const disable = phaseList(read, Inputs.disable);
  return {
    ...(enable.length === 0 ? {} : { enable: [...new Set(enable)] }),
    ...(disable.length === 0 ? {} : { disable: [...new Set(disable)] }),
  };
}

export interface PhaseInputs extends CommonInputs {
  readonly phase: string;
  readonly run?: string;
  readonly validate?: string;
  readonly needs: readonly string[];
  readonly force: boolean;
  readonly dryRun: boolean;
  /** Start a built-in deployment without state even though Azure holds resources of it. */
  readonly adoptFresh: boolean;
}

/** The root action and its per-phase presets (which fix `phase`). */
export function phaseInputs(read: InputReader, presetPhase?: string): PhaseInputs {
  const base = common(read);
  const run = text(read, Inputs.run);
  if (run !== undefined && (base.pipeline !== undefined || base.config !== undefined)) {
    throw new ActionInputError(
      `input ${Inputs.run} defines a phase of its own; it cannot be combined with ${base.pipeline ? Inputs.pipeline : Inputs.config}, whose phases have their own commands`,
    );
  }
  const validate = text(read, Inputs.validate);
  return {
    ...base,
    phase: presetPhase ?? required(read, Inputs.phase, phaseName),
    ...(run === undefined ? {} : { run }),
    ...(validate === undefined ? {} : { validate }),
    ...switchInputs(read),
    needs: phaseList(read, Inputs.needs),
    force: flag(read, Inputs.force),
    dryRun: flag(read, Inputs.dryRun),
    adoptFresh: flag(read, Inputs.adoptFresh),
  };
}

export interface GateInputs extends CommonInputs {
  readonly phase: string;
  readonly validate?: string;
  readonly needs: readonly string[];
  readonly force: boolean;
}

export function gateInputs(read: InputReader): GateInputs {
  const validate = text(read, Inputs.validate);
  return {
    ...common(read),
    phase: required(read, Inputs.phase, phaseName),
    ...(validate === undefined ? {} : { validate }),
    needs: phaseList(read, Inputs.needs),
    force: flag(read, Inputs.force),
  };
}

export interface CompleteInputs extends CommonInputs {
  readonly phase: string;
}

export function completeInputs(read: InputReader): CompleteInputs {
  return { ...common(read), phase: required(read, Inputs.phase, phaseName) };
}

export interface RollbackInputs extends CommonInputs {
  readonly to: string;
  readonly destroy: boolean;
  readonly dryRun: boolean;
  readonly force: boolean;
  /** Delete the built-in deployment's resource group at once (a destroy, whatever `destroy` says). */
  readonly fast: boolean;
}

export function rollbackInputs(read: InputReader): RollbackInputs {
  return {
    ...common(read),
    to: required(read, Inputs.to, phaseName),
    destroy: flag(read, Inputs.destroy),
    dryRun: flag(read, Inputs.dryRun),
    force: flag(read, Inputs.force),
    fast: flag(read, Inputs.fast),
  };
}

export interface StatusInputs extends CommonInputs {
  /** Upload the state again under the current state key (the end of a key rotation). */
  readonly rekey: boolean;
}

export function statusInputs(read: InputReader): StatusInputs {
  return { ...common(read), rekey: flag(read, Inputs.rekey) };
}
