/**
 * Moving a deployment's state between backends, and the azure-blob lock:
 *
 *   state pull --repo OWNER/REPO --deployment ID [--run N]     workflow artifacts → --state-dir
 *   state pull --from azure-blob --state-url URL [--deployment-id ID]   blob storage → --state-dir
 *   state push --to azure-blob --state-url URL                 --state-dir → blob storage
 *   state unlock --state-url URL [--deployment-id ID]          breaks a writer's lease
 *
 * The local state directory is the hub: a copy from artifacts to blob storage is a pull and a push.
 * Sensitive files are decrypted with K0RDENT_STATE_KEY on the way in (written mode 600 inside the
 * state directory, nowhere else) and encrypted with it on the way out; every file's sha256 is checked
 * against its record, and a push is read back and compared. A target with newer changes than the
 * source is not overwritten without --force (and then its state is archived first).
 */
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { assertSameDeployment } from '../engine/session.js';
import { liveArtifacts, statusOf } from '../state/document.js';
import { fingerprint } from '../state/canonical.js';
import { mergeDocuments } from '../state/merge.js';
import { localPath, relocateArtifacts, storedPath } from '../state/relocate.js';
import type { StateDocument } from '../state/schema.js';
import { pullFromArtifacts } from '../stores/artifact-pull.js';
import type { CarriedFile } from '../stores/artifact-snapshot.js';
import { writeFileAtomic } from '../stores/atomic-file.js';
import { BlobStateStore, stampOf } from '../stores/blob-store.js';
import { STATE_KEY_ENV } from '../stores/encryption.js';
import { displayPath, LocalStateStore } from '../stores/local-store.js';
import { digestIfExists } from '../tools/file-digest.js';
import { readFile } from 'node:fs/promises';
import type { GlobalOptions } from './commands.js';
import { createOutput, type Output } from './output.js';
import {
  blobStoreOf,
  codecsFor,
  keysFromEnv,
  openStateSource,
  type StateSourceOptions,
} from './state-source.js';

const TOKEN_ENVS = ['GITHUB_TOKEN', 'GH_TOKEN'] as const;

export interface PullOptions extends GlobalOptions {
  readonly from?: string;
  readonly repo?: string;
  /** `--deployment`, the spelling; the global `--deployment-id` works too. */
  readonly deployment?: string;
  readonly run?: number;
  readonly force?: boolean;
}

interface Copy {
  readonly doc: StateDocument;
  readonly files: ReadonlyMap<string, CarriedFile>;
  readonly source: string;
}

export async function statePullCommand(options: PullOptions): Promise<number> {
  const term = output(options);
  const from =
    options.from ??
    (options.repo
      ? 'artifact'
      : options.stateUrl || process.env.K0RDENT_STATE_URL
        ? 'azure-blob'
        : undefined);
  if (from === undefined) {
    throw new UserError(
      'say where to pull from: --repo OWNER/REPO --deployment ID (workflow artifacts), or --from azure-blob --state-url URL',
    );
  }
  const id = options.deployment ?? options.deploymentId;
  let copy: Copy;
  if (from === 'artifact') copy = await fromArtifacts(options, id);
  else if (from === 'azure-blob') copy = await fromBlob(options, id);
  else {
    throw new UserError(
      `--from ${from}: pull from artifact (workflow artifacts) or azure-blob; a local directory is read in place with --state-dir`,
    );
  }
  const written = await intoLocal(copy, options, term);
  term.out(
    `pulled deployment ${copy.doc.deployment_id} from ${copy.source} into ${written.description}: ` +
      `${summary(copy.doc)}; ${written.files} file(s), sha256 verified` +
      (written.sensitive ? `, ${written.sensitive} of them secret (mode 600, under ${written.dir})` : ''),
  );
  if (written.archived) term.out(`the local state it replaced was archived to ${written.archived}`);
  const kubeconfig = written.doc.artifacts.kubeconfig;
  if (kubeconfig && !kubeconfig.removed) {
    term.out(`kubeconfig: ${kubeconfig.path}   (export KUBECONFIG=${resolve(kubeconfig.path)})`);
    if (written.doc.artifacts.wireguard_hub_config)
      term.out('the cluster API is reached through the hub tunnel: k0rdent-deploy vpn up');
  } else {
    term.out('no kubeconfig recorded yet (install_k0s has not completed)');
  }
  return 0;
}

export interface PushOptions extends GlobalOptions {
  readonly to?: string;
  readonly force?: boolean;
}

export async function statePushCommand(options: PushOptions): Promise<number> {
  const term = output(options);
  if (options.to !== 'azure-blob') {
    throw new UserError(
      options.to === 'artifact'
        ? 'workflow artifacts can only be written by a workflow run: push to azure-blob and set state-backend: azure-blob in the workflow'
        : `--to ${options.to ?? '(missing)'}: push to azure-blob (--to azure-blob --state-url URL)`,
    );
  }
  const local = new LocalStateStore(options.stateDir);
  const loaded = await local.load();
  if (!loaded) throw new UserError(`no deployment state in ${local.description} to push`);
  if (loaded.migration) {
    throw new UserError(
      `${local.description} holds an upstream-format state: run \`k0rdent-deploy migrate\` first, then push`,
    );
  }
  const stateDir = relativeDir(options.stateDir);
  const doc = relocateArtifacts(loaded.doc, (path, sensitive) => storedPath(path, sensitive, stateDir));
  const files = await localFiles(loaded.doc);
  const keys = keysFromEnv();
  if (!keys && files.some((f) => f.sensitive)) {
    throw new UserError(
      `${local.description} records ${files.filter((f) => f.sensitive).length} sensitive file(s), which blob storage keeps only encrypted: ` +
        `set ${STATE_KEY_ENV} to the state-key (the same secret the workflow passes as state-key; create one with \`openssl rand -base64 32\`)`,
    );
  }
  const carried = new Map(
    files.map((file) => [file.name, { ...file, path: doc.artifacts[file.name]?.path ?? file.path }]),
  );
  const work = await mkdtemp(join(tmpdir(), 'k0rdent-push-'));
  try {
    const source = await openStateSource({
      ...sourceOptions(options),
      stateBackend: 'azure-blob',
      deploymentId: doc.deployment_id,
      stateDir: work,
    });
    const target = blobStoreOf(source, doc.deployment_id);
    const lock = await target.lock({
      command: 'k0rdent-deploy state push',
      onWarning: (message) => term.err(`warning: ${message}`),
    });
    let archived: string | undefined;
    try {
      const there = await target.readState();
      if (there) {
        assertSameDeployment(there, doc.deployment_id, target.description);
        if (newerThan(there, doc) && !options.force) {
          throw new UserError(
            `${target.description} has changes the local state lacks (last change ${stampOf(there)}, local ${stampOf(doc)}): ` +
              'pull it first (k0rdent-deploy state pull --from azure-blob), or pass --force to replace it (it is archived first)',
          );
        }
        if (newerThan(there, doc)) archived = await target.archive(there, 'before-push');
      }
      await target.put(doc, carried, { replace: true });
    } finally {
      await lock.release();
    }
    // Read back with a store of its own (nothing cached) and compare.
    const check = blobStoreOf(
      await openStateSource({
        ...sourceOptions(options),
        stateBackend: 'azure-blob',
        deploymentId: doc.deployment_id,
        stateDir: work,
      }),
    );
    const back = await check.exportState();
    verifyCopy(doc, carried, back, target.description);
    term.out(
      `pushed deployment ${doc.deployment_id} to ${target.description}: ${summary(doc)}; ${carried.size} file(s) ` +
        `(${files.filter((f) => f.sensitive).length} encrypted), read back and verified`,
    );
    if (archived) term.out(`the state it replaced there was archived to ${archived}`);
    term.out(
      `use it from now on: --state-backend azure-blob --state-url ${target.layout.location.url} here, and ` +
        `state-backend: azure-blob, state-url: ${target.layout.location.url} in the workflow`,
    );
    return 0;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export async function stateUnlockCommand(options: GlobalOptions & { yes?: boolean }): Promise<number> {
  const term = output(options);
  const source = await openStateSource(sourceOptions(options));
  if (source.backend === 'local') {
    term.out(
      `${source.description}: a local lock whose process is gone is taken over by the next writer on its own; ` +
        'state unlock breaks the lease of the azure-blob backend (--state-backend azure-blob --state-url URL)',
    );
    return 0;
  }
  const store = blobStoreOf(source);
  const current = await store.holder();
  if (!current.leased) {
    term.out(`${store.description} is not locked`);
    return 0;
  }
  term.out(`${store.description} is locked by ${current.holder ?? 'an unknown writer'}`);
  if (!options.yes) {
    if (!process.stdin.isTTY) {
      throw new UserError(
        'breaking the lock stops that writer from saving anything more: pass --yes to break it',
      );
    }
    // Loaded here: only this prompt needs it, and every command would pay for loading it.
    const { createInterface } = await import('node:readline/promises');
    const question = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await question.question('break the lock? That writer can save nothing more. [y/N] ');
    question.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      term.out('left locked');
      return 0;
    }
  }
  await store.breakLock();
  term.out(
    `broke the lock held by ${current.holder ?? 'an unknown writer'}; if it still runs, its next write fails (exit code 3) and changes nothing`,
  );
  return 0;
}

async function fromArtifacts(options: PullOptions, id: string | undefined): Promise<Copy> {
  const repo = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(options.repo ?? '');
  if (!repo?.[1] || !repo[2])
    throw new UserError('--repo OWNER/REPO names the repository whose workflow deployed it');
  if (!id) throw new UserError('--deployment ID: the deployment-id the workflow deployed (e.g. prod)');
  const tokenEnv = TOKEN_ENVS.find((name) => process.env[name]);
  const token = tokenEnv ? process.env[tokenEnv] : undefined;
  if (!token) {
    throw new UserError(
      `set GITHUB_TOKEN or GH_TOKEN to a token that can read ${repo[0]}'s Actions artifacts (e.g. GH_TOKEN=$(gh auth token))`,
    );
  }
  const keys = keysFromEnv();
  const pulled = await pullFromArtifacts({
    rest: {
      apiUrl: process.env.GITHUB_API_URL ?? 'https://api.github.com',
      owner: repo[1],
      repo: repo[2],
      token,
    },
    deploymentId: id,
    ...(options.run === undefined ? {} : { runId: options.run }),
    codecs: codecsFor(id, keys),
    keyHint: STATE_KEY_ENV,
  });
  return { doc: pulled.doc, files: pulled.files, source: pulled.source };
}

async function fromBlob(options: PullOptions, id: string | undefined): Promise<Copy> {
  const work = await mkdtemp(join(tmpdir(), 'k0rdent-pull-'));
  try {
    const source = await openStateSource({
      ...sourceOptions(options),
      stateBackend: 'azure-blob',
      stateDir: work,
      ...(id === undefined ? {} : { deploymentId: id }),
    });
    const store = blobStoreOf(source);
    const header = await store.storedHeader();
    if (!header.exists) throw new UserError(`no deployment state in ${store.description}`);
    if (!keysFromEnv() && (header.signedWith !== undefined || header.sensitive.length > 0)) {
      throw new UserError(
        `${store.description} is authenticated with a state-key and holds ${header.sensitive.length} encrypted file(s), ` +
          `and ${STATE_KEY_ENV} is not set: set it to the state-key the deployment was written with`,
      );
    }
    const exported = await store.exportState();
    if (!exported) throw new UserError(`no deployment state in ${store.description}`);
    return { doc: exported.doc, files: exported.files, source: store.description };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Writes a copy into the local state directory: files first (mode 600 for secrets), then the state. */
async function intoLocal(
  copy: Copy,
  options: PullOptions,
  term: Output,
): Promise<{
  doc: StateDocument;
  files: number;
  sensitive: number;
  dir: string;
  description: string;
  archived?: string;
}> {
  const store = new LocalStateStore(options.stateDir);
  const stateDir = relativeDir(options.stateDir);
  const doc = relocateArtifacts(copy.doc, (path, sensitive) => localPath(path, sensitive, stateDir));
  const lock = await store.lock({
    command: 'k0rdent-deploy state pull',
    onWarning: (message) => term.err(`warning: ${message}`),
  });
  try {
    const loaded = await store.load();
    const here = loaded?.migration ? undefined : loaded?.doc;
    if (loaded?.migration) {
      throw new UserError(
        `${store.description} holds an upstream-format state: pull into another --state-dir`,
      );
    }
    if (here) {
      assertSameDeployment(here, doc.deployment_id, store.description);
      if (newerThan(here, doc) && !options.force) {
        throw new UserError(
          `${store.description} has changes the pulled state lacks (last change ${stampOf(here)}, pulled ${stampOf(doc)}): ` +
            'push them first (k0rdent-deploy state push), or pass --force to replace them (the local state is archived first)',
        );
      }
    }
    let files = 0;
    let sensitive = 0;
    for (const [name, record] of liveArtifacts(doc)) {
      const file = copy.files.get(name);
      if (file?.sha256 !== record.sha256) continue;
      const path = resolve(record.path);
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await writeFileAtomic(path, file.bytes, record.sensitive ? 0o600 : 0o644);
      const written = await digestIfExists(path);
      if (written?.sha256 !== record.sha256) {
        throw new UserError(
          `${record.path} does not read back with its sha256 ${record.sha256}; nothing more was written`,
        );
      }
      files++;
      if (record.sensitive) sensitive++;
    }
    let archived: string | undefined;
    let saved: StateDocument;
    if (here && newerThan(here, doc)) {
      // --force: the pulled state replaces the local one, which is kept as an archive.
      archived = await store.archive(here, 'before-pull');
      await rm(store.file, { force: true });
      saved = await store.save(doc);
    } else {
      saved = await store.save(here ? mergeDocuments(here, doc) : doc);
    }
    return {
      doc: saved,
      files,
      sensitive,
      dir: displayPath(join(store.dir, 'secrets')),
      description: store.description,
      ...(archived ? { archived } : {}),
    };
  } finally {
    await lock.release();
  }
}

/** Every live recorded file of a local state, checked against its record (a push carries them). */
async function localFiles(doc: StateDocument): Promise<CarriedFile[]> {
  const out: CarriedFile[] = [];
  const problems: string[] = [];
  for (const [name, record] of liveArtifacts(doc)) {
    const path = resolve(record.path);
    const digest = await digestIfExists(path);
    if (!digest) problems.push(`${name}: ${record.path} is missing`);
    else if (digest.sha256 !== record.sha256)
      problems.push(`${name}: ${record.path} differs from its record`);
    else
      out.push({
        name,
        path: record.path,
        sha256: record.sha256,
        sensitive: record.sensitive,
        bytes: await readFile(path),
      });
  }
  if (problems.length > 0) {
    throw new UserError(
      `not pushed: recorded files do not match the state (${problems.join('; ')}). Restore them, or re-run the phases that produce them.`,
    );
  }
  return out;
}

function verifyCopy(
  doc: StateDocument,
  files: ReadonlyMap<string, CarriedFile>,
  back: Awaited<ReturnType<BlobStateStore['exportState']>>,
  where: string,
): void {
  if (!back) throw new UserError(`${where}: the state just pushed does not read back`);
  if (fingerprint(back.doc) !== fingerprint(doc)) {
    throw new UserError(`${where}: the state read back differs from the one pushed; run the push again`);
  }
  for (const [name, file] of files) {
    if (back.files.get(name)?.sha256 !== file.sha256) {
      throw new UserError(`${where}: ${name} reads back with another sha256 than pushed; run the push again`);
    }
  }
}

/** Whether `a` holds a change that `b` lacks (its newest clock stamp is later). */
function newerThan(a: StateDocument, b: StateDocument): boolean {
  return stampOf(a) > stampOf(b);
}

function summary(doc: StateDocument): string {
  const phases = Object.keys(doc.phases);
  const completed = phases.filter((p) => statusOf(doc, p) === 'completed').length;
  return `${completed} of ${phases.length} phases completed`;
}

function relativeDir(dir: string): string {
  const rel = relative(process.cwd(), resolve(dir));
  if (rel === '') return '.';
  if (rel.startsWith('..')) {
    throw new UserError(
      `--state-dir ${dir} is outside the working directory: recorded files live under it, so run from a directory that contains the state directory`,
    );
  }
  return rel;
}

function sourceOptions(options: GlobalOptions): StateSourceOptions {
  return {
    stateDir: options.stateDir,
    ...(options.stateUrl === undefined ? {} : { stateUrl: options.stateUrl }),
    ...(options.stateBackend === undefined ? {} : { stateBackend: options.stateBackend }),
    ...(options.deploymentId === undefined ? {} : { deploymentId: options.deploymentId }),
    ...(options.lockTimeout === undefined ? {} : { lockTimeout: options.lockTimeout }),
    ...(options.onNotice ? { onNotice: options.onNotice } : {}),
  };
}

function output(options: GlobalOptions): Output {
  return createOutput(options.color === undefined ? {} : { color: options.color });
}
