/**
 * Which deployment a command or action works on, settled once for every surface (DESIGN.md section 3):
 * an explicit id (action input, CLI option), the id the pipeline or config pins, the id the store
 * already holds, then a derived or generated one. Whatever is given must agree; a disagreement is
 * refused with both sides named. Pure.
 */
import { UserError } from '../errors.js';

// node:crypto loads on first use: loading it is a measurable part of a read-only command's start-up.
const crypto = () => process.getBuiltinModule('node:crypto');

export interface IdentityClaim {
  readonly id: string;
  /** Where the id was read, for messages: `input deployment-id`, `k0rdent.yaml (metadata.deployment_id)`. */
  readonly where: string;
}

export interface StoredClaim extends IdentityClaim {
  /** What to do when the store holds another deployment (the surface's own words). */
  readonly advice: string;
}

export interface IdentityClaims {
  readonly explicit?: IdentityClaim;
  readonly pinned?: IdentityClaim;
  readonly stored?: StoredClaim;
}

export type IdentitySource = 'explicit' | 'pinned' | 'stored' | 'derived' | 'generated';

export interface SettledIdentity {
  readonly id: string;
  readonly source: IdentitySource;
  /** How the id came about, in words (for the step log and `plan`). */
  readonly how: string;
}

/** An id made when nothing names the deployment: derived (stable) or generated (random, made once). */
export interface IdentityFallback {
  readonly source: 'derived' | 'generated';
  readonly id: string;
  readonly how: string;
}

/**
 * The deployment id, or undefined when nothing names one and there is no fallback. Throws a
 * UserError when two claims disagree.
 */
export function settleDeploymentId(
  claims: IdentityClaims,
  fallback?: () => IdentityFallback,
): SettledIdentity | undefined {
  const { explicit, pinned, stored } = claims;
  if (explicit && pinned && explicit.id !== pinned.id) {
    throw new UserError(
      `${explicit.where} is "${explicit.id}", but ${pinned.where} pins "${pinned.id}": ` +
        'make them match, or leave one of them out',
    );
  }
  const named = explicit ?? pinned;
  if (named && stored && named.id !== stored.id) {
    throw new UserError(
      `${stored.where} holds deployment "${stored.id}", not "${named.id}" (from ${named.where}). ${stored.advice}`,
    );
  }
  if (explicit) return { id: explicit.id, source: 'explicit', how: `from ${explicit.where}` };
  if (pinned) return { id: pinned.id, source: 'pinned', how: `pinned by ${pinned.where}` };
  if (stored) return { id: stored.id, source: 'stored', how: `the one ${stored.where} holds` };
  if (!fallback) return undefined;
  const made = fallback();
  return { id: made.id, source: made.source, how: made.how };
}

/** Built-in deployment ids look like upstream cluster ids: a prefix, a dash and 8 of [a-z0-9]. */
const SUFFIX_LENGTH = 8;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A stable id from what names a deployment in CI (the repository and the config file's path), so
 * every step, job, attempt and later run of a workflow agrees on it without being told.
 */
export function derivedDeploymentId(prefix: string, ...parts: readonly string[]): string {
  const digest = crypto().createHash('sha256').update(parts.join('\0')).digest();
  let suffix = '';
  for (let i = 0; i < SUFFIX_LENGTH; i++) suffix += ALPHABET.charAt((digest[i] ?? 0) % ALPHABET.length);
  return `${prefix}-${suffix}`;
}

/** A random id, made once: the first run records it in the state and later commands read it there. */
export function generatedDeploymentId(prefix: string, random: (max: number) => number): string {
  let suffix = '';
  for (let i = 0; i < SUFFIX_LENGTH; i++) suffix += ALPHABET.charAt(random(ALPHABET.length));
  return `${prefix}-${suffix}`;
}
