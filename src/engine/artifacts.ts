/** Recording and verifying artifacts: the files a phase produced, by path, checksum and size. */
import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { LIMIT_ENV, limits } from '../limits.js';
import { registerSecret } from '../secrets.js';
import { checkArtifact, type ArtifactCheck } from '../state/artifacts.js';
import { liveArtifacts } from '../state/document.js';
import { isContainedPath } from '../state/names.js';
import { NAME_PATTERN, type StateDocument } from '../state/schema.js';
import { recordArtifact } from '../state/transitions.js';
import { digestIfExists } from '../tools/file-digest.js';
import type { Session } from './session.js';

/** Sensitive files larger than this are not read into memory to be masked (keys and kubeconfigs are small). */
const MAX_MASKED_BYTES = 1024 * 1024;

export interface RecordRequest {
  readonly name: string;
  readonly path: string;
  readonly sensitive: boolean;
  readonly phase?: string;
  readonly metadata?: Record<string, string | number | boolean>;
}

export async function recordArtifactFile(session: Session, request: RecordRequest): Promise<void> {
  if (!NAME_PATTERN.test(request.name)) {
    throw new UserError(
      `artifact name "${request.name}" is not valid: use snake_case (a-z, 0-9, _), starting with a letter`,
    );
  }
  if (request.phase !== undefined && session.doc.phases[request.phase] === undefined) {
    const known = Object.keys(session.doc.phases);
    throw new UserError(
      `cannot record artifact ${request.name}: "${request.phase}" is not a phase of deployment ` +
        `${session.doc.deployment_id} (phases: ${known.join(', ') || 'none'}); name the phase that produced it`,
    );
  }
  const absolute = resolve(request.path);
  const stored = relative(process.cwd(), absolute);
  if (!isContainedPath(stored)) {
    throw new UserError(
      `cannot record artifact ${request.name}: ${request.path} is outside the working directory; ` +
        'artifacts must live inside it, so that another runner can restore them to the same place',
    );
  }
  const digest = await digestIfExists(absolute);
  if (!digest) throw new UserError(`cannot record artifact ${request.name}: ${request.path} does not exist`);
  const { maxArtifactBytes } = limits();
  if (digest.size > maxArtifactBytes) {
    throw new UserError(
      `cannot record artifact ${request.name}: ${request.path} is ${digest.size} bytes, over the limit of ` +
        `${maxArtifactBytes} bytes (${LIMIT_ENV.maxArtifactBytes})`,
    );
  }
  // Masked the moment it is known: the phase that records it may print it next.
  if (request.sensitive && digest.size <= MAX_MASKED_BYTES) registerSecret(await readFile(absolute, 'utf8'));
  session.change((doc, stamp) =>
    recordArtifact(doc, request.name, stamp, {
      path: stored,
      sha256: digest.sha256,
      size: digest.size,
      sensitive: request.sensitive,
      ...(request.phase ? { phase: request.phase } : {}),
      ...(request.metadata ? { metadata: request.metadata } : {}),
    }),
  );
  await session.commit();
}

export interface VerifiedArtifact {
  readonly name: string;
  readonly path: string;
  readonly check: ArtifactCheck;
}

export async function verifyArtifacts(doc: StateDocument, name?: string): Promise<VerifiedArtifact[]> {
  const records = name === undefined ? liveArtifacts(doc) : [[name, doc.artifacts[name]] as const];
  const results: VerifiedArtifact[] = [];
  for (const [artifact, record] of records) {
    if (!record) {
      const known = liveArtifacts(doc).map(([n]) => n);
      throw new UserError(
        `no artifact named ${artifact} is recorded` +
          (known.length ? ` (recorded: ${known.join(', ')})` : ' (none are recorded yet)'),
      );
    }
    const observed = record.removed ? undefined : await digestIfExists(resolve(record.path));
    results.push({ name: artifact, path: record.path, check: checkArtifact(record, observed) });
  }
  return results;
}

const protectedDigests = new Set<string>();

/**
 * Registers the content of every sensitive artifact as a secret, so that no later output line (a
 * phase script echoing a key, an error message) can show it. Each file is read once per process.
 */
export async function protectSensitiveArtifacts(doc: StateDocument): Promise<void> {
  for (const [, record] of liveArtifacts(doc)) {
    if (!record.sensitive || protectedDigests.has(record.sha256) || record.size > MAX_MASKED_BYTES) continue;
    try {
      registerSecret(await readFile(resolve(record.path), 'utf8'));
      protectedDigests.add(record.sha256);
    } catch {
      // Not on this machine (yet): a later job restores it, and protects it then.
    }
  }
}
