/**
 * Where the azure-blob backend keeps a deployment: one URL names the storage account, the container
 * and an optional prefix (`https://ACCOUNT.blob.core.windows.net/CONTAINER[/PREFIX]`; Azurite and other
 * loopback emulators are path-style, `http://127.0.0.1:PORT/ACCOUNT/CONTAINER[/PREFIX]`). Under it each
 * deployment has a folder of its own:
 *
 *   PREFIX/<deployment>/k0rdent-state.yaml           the state (a snapshot envelope; the lease is on it)
 *   PREFIX/<deployment>/files/<artifact>.<sha>.<n>   each sensitive file, encrypted, written before the
 *                                                    state that names it
 *   PREFIX/<deployment>/archive/<stamp>-<label>.yaml states kept before a full reset
 */
import { isIP } from 'node:net';
import { UserError } from '../errors.js';
import { DEPLOYMENT_ID_PATTERN } from '../state/names.js';

export const STATE_URL_ENV = 'K0RDENT_STATE_URL';
export const CONNECTION_STRING_ENV = 'AZURE_STORAGE_CONNECTION_STRING';
export const STATE_BLOB = 'k0rdent-state.yaml';

export interface BlobLocation {
  /** The URL as given, without a trailing slash (safe to print: a SAS is refused in it). */
  readonly url: string;
  /** `https://ACCOUNT.blob.core.windows.net` or, path-style, `http://127.0.0.1:PORT/ACCOUNT`. */
  readonly accountUrl: string;
  readonly account: string;
  readonly container: string;
  /** `''` or `a/b` (no leading or trailing slash). */
  readonly prefix: string;
}

const CONTAINER_PATTERN = /^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$/;
const ACCOUNT_PATTERN = /^[a-z0-9]{3,24}$/;
const PREFIX_SEGMENT_PATTERN = /^[A-Za-z0-9._-]{1,200}$/;

/** Parses a state URL; `source` names where it came from (`input state-url`, `--state-url`). */
export function parseBlobLocation(text: string, source: string): BlobLocation {
  const refuse = (why: string): never => {
    throw new UserError(
      `${source} "${redactQuery(text)}" is not a blob container URL: ${why}. ` +
        'Write https://ACCOUNT.blob.core.windows.net/CONTAINER[/PREFIX] ' +
        '(for Azurite: http://127.0.0.1:PORT/devstoreaccount1/CONTAINER).',
    );
  };
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return refuse('it is not a URL');
  }
  if (url.search !== '' || url.hash !== '') {
    return refuse(
      `it carries a query or fragment; a SAS does not belong in the URL, where logs would show it: put it in ${CONNECTION_STRING_ENV} ` +
        '(BlobEndpoint=https://ACCOUNT.blob.core.windows.net;SharedAccessSignature=…)',
    );
  }
  if (url.username !== '' || url.password !== '') return refuse('it carries a user name or password');
  const loopback = isLoopback(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    return refuse('it must use https (plain http only for an emulator on this machine)');
  }
  const segments = url.pathname.split('/').slice(1);
  if (segments.at(-1) === '') segments.pop();
  if (segments.some((s) => s === '')) return refuse('its path has an empty segment');
  const pathStyle = loopback || isIP(url.hostname) !== 0;
  const account = pathStyle ? segments.shift() : url.hostname.split('.')[0];
  if (!account || !ACCOUNT_PATTERN.test(account)) {
    return refuse(`"${account ?? ''}" is not a storage account name (3–24 lower-case letters and digits)`);
  }
  const container = segments.shift();
  if (!container) return refuse('it names no container');
  if (!CONTAINER_PATTERN.test(container)) {
    return refuse(
      `"${container}" is not a container name (3–63 lower-case letters, digits and single dashes, starting and ending with a letter or digit)`,
    );
  }
  const bad = segments.find((s) => !PREFIX_SEGMENT_PATTERN.test(s));
  if (bad !== undefined) {
    return refuse(
      `the prefix segment "${bad}" holds other characters than letters, digits, dots, dashes and underscores`,
    );
  }
  const prefix = segments.join('/');
  const origin = `${url.protocol}//${url.host}`;
  return {
    url: `${origin}/${[...(pathStyle ? [account] : []), container, ...segments].join('/')}`,
    accountUrl: pathStyle ? `${origin}/${account}` : origin,
    account,
    container,
    prefix,
  };
}

function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare);
}

function redactQuery(text: string): string {
  const at = text.indexOf('?');
  return at < 0 ? text : `${text.slice(0, at)}?…`;
}

/** The blob names of one deployment under a location. */
export class BlobLayout {
  readonly folder: string;

  constructor(
    readonly location: BlobLocation,
    readonly deploymentId: string,
  ) {
    if (!DEPLOYMENT_ID_PATTERN.test(deploymentId)) throw new Error(`not a deployment id: ${deploymentId}`);
    this.folder = join(location.prefix, deploymentId);
  }

  get state(): string {
    return `${this.folder}/${STATE_BLOB}`;
  }

  get filesFolder(): string {
    return `${this.folder}/files/`;
  }

  /** A new name for one version of a sensitive file: never reused, so a reader's name never changes meaning. */
  file(artifact: string, sha256: string, nonce: string): string {
    return `${this.filesFolder}${artifact}.${sha256.slice(0, 16)}.${nonce}`;
  }

  archive(stamp: string, label: string): string {
    return `${this.folder}/archive/${stamp}-${label}.yaml`;
  }

  /** For messages: `https://…/container/prefix/deployment/k0rdent-state.yaml`. */
  describe(name = this.state): string {
    const base = this.location.url.slice(0, this.location.url.length - this.location.prefix.length);
    return `${base.replace(/\/$/, '')}/${name}`;
  }
}

/** The deployment ids that have a state blob under a location's prefix, from the names of a listing. */
export function deploymentsIn(location: BlobLocation, names: readonly string[]): string[] {
  const head = location.prefix === '' ? '' : `${location.prefix}/`;
  const ids = new Set<string>();
  for (const name of names) {
    if (!name.startsWith(head) || !name.endsWith(`/${STATE_BLOB}`)) continue;
    const id = name.slice(head.length, name.length - STATE_BLOB.length - 1);
    if (DEPLOYMENT_ID_PATTERN.test(id)) ids.add(id);
  }
  return [...ids].sort();
}

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}/${name}`;
}
