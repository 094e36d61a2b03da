/**
 * A deployment's newest state out of workflow artifacts, from outside a workflow run (`k0rdent-deploy
 * state pull --repo OWNER/REPO --deployment ID`): the REST API finds the newest run that wrote the
 * deployment (by the name of its head), or the run asked for; its snapshots are downloaded (the same
 * selection a job's load makes), each verified with the state key's HMAC, sensitive files decrypted and
 * checked against their sha256, and merged.
 */
import { UserError } from '../errors.js';
import { mergeAll } from '../state/merge.js';
import type { StateDocument } from '../state/schema.js';
import { headName, STATE_PREFIX } from './artifact-naming.js';
import { ArtifactApiError, ArtifactRestReader, type RestArtifact, type RestTarget } from './artifact-rest.js';
import { selectRun } from './artifact-selection.js';
import {
  decodeSnapshot,
  snapshotHeader,
  type CarriedFile,
  type SnapshotCodecs,
} from './artifact-snapshot.js';
import { describeKeys } from './encryption.js';

export interface PulledState {
  readonly doc: StateDocument;
  /** Every carried file, decoded and verified, by artifact name. */
  readonly files: ReadonlyMap<string, CarriedFile>;
  /** For messages: which run and how many snapshots. */
  readonly source: string;
  /** Whether a state key authenticated every snapshot. */
  readonly authenticated: boolean;
}

export interface ArtifactPullOptions {
  readonly rest: RestTarget;
  readonly deploymentId: string;
  /** A run of the repository; default the newest that wrote the deployment. */
  readonly runId?: number;
  readonly codecs: SnapshotCodecs;
  /** How the user passes the key, for messages (`K0RDENT_STATE_KEY`). */
  readonly keyHint: string;
}

const HEADS_LISTED = 10;
const RECENT_LISTED = 100;

export async function pullFromArtifacts(options: ArtifactPullOptions): Promise<PulledState> {
  const { rest, deploymentId } = options;
  const reader = new ArtifactRestReader(rest);
  const repo = `${rest.owner}/${rest.repo}`;
  try {
    const runId = options.runId ?? (await newestRun(reader, deploymentId, repo));
    const selection = selectRun(deploymentId, await reader.listRun(runId));
    const picked: RestArtifact[] = [...(selection.head ? [selection.head] : []), ...selection.snapshots];
    if (picked.length === 0) {
      throw new UserError(
        `run ${runId} of ${repo} holds no state of deployment ${deploymentId} (no artifact named ` +
          `${headName(deploymentId)} or its snapshots, or they expired). Leave out --run to take the newest run that has it.`,
      );
    }
    let authenticated = true;
    const decoded = [];
    for (const artifact of picked) {
      const where = `artifact ${artifact.name} (id ${artifact.id}, run ${artifact.runId})`;
      const text = (await reader.download(artifact.id)).toString('utf8');
      requireKey(snapshotHeader(text, where), where, options);
      const snapshot = decodeSnapshot(text, where, deploymentId, options.codecs);
      authenticated &&= snapshot.authenticated;
      decoded.push(snapshot);
    }
    const doc = mergeAll(decoded.map((d) => d.doc));
    if (!doc) throw new Error('no document in the downloaded snapshots');
    const files = new Map<string, CarriedFile>();
    for (const snapshot of decoded) for (const [name, file] of snapshot.files) files.set(name, file);
    const attempt = selection.attempt === undefined ? '' : ` attempt ${selection.attempt}`;
    return {
      doc,
      files,
      source: `workflow artifacts of ${repo}, run ${runId}${attempt} (${picked.length} snapshot${picked.length === 1 ? '' : 's'})`,
      authenticated,
    };
  } catch (error) {
    if (error instanceof ArtifactApiError) throw apiAdvice(error, repo);
    throw error;
  }
}

async function newestRun(reader: ArtifactRestReader, deploymentId: string, repo: string): Promise<number> {
  const heads = (await reader.listByName(headName(deploymentId), HEADS_LISTED)).filter(
    (a) => a.sameRepository,
  );
  const live = heads.find((a) => !a.expired);
  if (live) return live.runId;
  if (heads.length > 0) {
    throw new UserError(
      `the state of deployment ${deploymentId} in ${repo} has expired (its newest artifacts, of run ${heads[0]?.runId ?? '?'}, ` +
        'are past the retention period). Workflow artifacts keep state only that long: move long-lived deployments ' +
        'to blob storage (state-backend: azure-blob).',
    );
  }
  const others = new Set<string>();
  for (const artifact of await reader.listRecent(RECENT_LISTED)) {
    const match = new RegExp(`^${STATE_PREFIX}\\.([a-z0-9-]+)\\.yaml$`).exec(artifact.name);
    if (match?.[1]) others.add(match[1]);
  }
  throw new UserError(
    `no state of deployment ${deploymentId} in the workflow artifacts of ${repo} (no artifact named ${headName(deploymentId)}). ` +
      (others.size > 0
        ? `Deployments with state there: ${[...others].sort().join(', ')}. `
        : 'No deployment state was found there at all. ') +
      'Check --deployment (the deployment-id the workflow used) and --repo; artifacts expire after the retention period.',
  );
}

/** An authenticated snapshot (or one with secrets) is not read without the key that wrote it. */
function requireKey(
  header: ReturnType<typeof snapshotHeader>,
  where: string,
  options: ArtifactPullOptions,
): void {
  const keys = options.codecs.keys;
  if (header.signedWith !== undefined && !keys) {
    throw new UserError(
      `${where} is authenticated with state-key id ${header.signedWith}` +
        (header.sensitive.length ? ` and holds ${header.sensitive.length} encrypted file(s)` : '') +
        `, and ${options.keyHint} is not set: set it to the state-key secret the workflow passes (the repository secret, e.g. K0RDENT_STATE_KEY).`,
    );
  }
  if (
    keys &&
    header.signedWith !== undefined &&
    ![keys.current.id, keys.previous?.id].includes(header.signedWith)
  ) {
    throw new UserError(
      `${where} was written with state-key id ${header.signedWith}, but ${options.keyHint} has ${describeKeys(keys)}: ` +
        `set ${options.keyHint} to the state-key the workflow used (during a rotation, the old one as K0RDENT_PREVIOUS_STATE_KEY).`,
    );
  }
}

function apiAdvice(error: ArtifactApiError, repo: string): UserError {
  const status = error.status;
  if (status === 401) {
    return new UserError(
      `GitHub refused the token (HTTP 401): GITHUB_TOKEN or GH_TOKEN holds no valid token. Use \`gh auth token\`, or a token with Actions: read on ${repo}.`,
    );
  }
  if (status === 403 || status === 404) {
    return new UserError(
      `GitHub answered HTTP ${status} for ${repo}: the repository does not exist or the token in GITHUB_TOKEN/GH_TOKEN ` +
        `may not read its Actions artifacts. Check --repo, and use a token with Actions: read on ${repo} (a fine-grained ` +
        'token, or `gh auth token` of someone who can see the repository).',
    );
  }
  return new UserError(`reading the workflow artifacts of ${repo} failed: ${error.message}`);
}
