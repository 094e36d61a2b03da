/**
 * The blob operations the azure-blob backend needs, over `@azure/storage-blob` (imported on first use,
 * so that CLI start-up and state-only action steps never load it). Credentials: the connection string
 * (account key or SAS) in AZURE_STORAGE_CONNECTION_STRING when set (emulators, special cases), else the
 * credential the ARM phases use (OIDC on a runner, DefaultAzureCredential elsewhere).
 *
 * Retries are ours, not the SDK's: throttling (503 ServerBusy, 500) waits what `Retry-After` asks
 * (bounded), network errors and timeouts back off; each attempt has a time limit. A conditional write
 * whose earlier attempt may have landed (the connection dropped after the upload) is recognised by the
 * write id it carries in its metadata. Errors a user can fix (no container, no permission, a refused
 * login) become UserErrors that say what to do; lease and condition failures get classes of their own.
 */
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { azureCredential } from '../azure/credential.js';
import { messageOf, UserError } from '../errors.js';
import { registerSecret } from '../secrets.js';
import { CONNECTION_STRING_ENV, type BlobLocation } from './blob-location.js';

// node:crypto loads on first use: loading it is a measurable part of a read-only command's start-up.
const crypto = () => process.getBuiltinModule('node:crypto');

export type Metadata = Readonly<Record<string, string>>;

/** Metadata key of the random id each write carries (metadata keys come back lower-cased). */
export const WRITE_ID_KEY = 'k0rdent_write';

export interface BlobRead {
  readonly bytes: Buffer;
  readonly etag: string;
  readonly metadata: Metadata;
}

export interface BlobProperties {
  readonly etag: string;
  readonly size: number;
  readonly metadata: Metadata;
  /** `leased`, `available`, `expired`, `breaking` or `broken`. */
  readonly leaseState: string;
  readonly lastModified: Date | undefined;
}

export interface BlobEntry {
  readonly name: string;
  readonly size: number;
  readonly lastModified: Date | undefined;
  readonly versionId?: string;
  readonly isCurrentVersion?: boolean;
}

export interface WriteConditions {
  /** Only if the blob still has this ETag (no lost update). */
  readonly ifMatch?: string;
  /** Only if there is no such blob yet. */
  readonly ifNoneMatch?: '*';
  /** The lease this writer holds on the blob. */
  readonly leaseId?: string;
}

/** A conditional request whose condition no longer holds: someone else wrote, or the blob exists. */
export class BlobConditionError extends Error {
  override readonly name = 'BlobConditionError';
}

/** Another writer holds the lease (409 LeaseAlreadyPresent). */
export class LeaseHeldError extends Error {
  override readonly name = 'LeaseHeldError';
}

/** The lease this writer held is gone: broken, expired and taken, or never there. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** A storage failure that is neither the user's to fix nor a condition: retries ran out. */
export class BlobServiceError extends Error {
  override readonly name = 'BlobServiceError';
}

export interface RetryPolicy {
  readonly tries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly attemptTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  tries: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  attemptTimeoutMs: 30_000,
};

export interface BlobContainerOptions {
  readonly location: BlobLocation;
  readonly env?: NodeJS.ProcessEnv;
  readonly retry?: Partial<RetryPolicy>;
  /** Told about each retry (a debug line). */
  readonly onRetry?: (message: string) => void;
}

const LEASE_LOST_CODES = new Set([
  'LeaseIdMismatchWithBlobOperation',
  'LeaseIdMismatchWithLeaseOperation',
  'LeaseLost',
  'LeaseNotPresentWithBlobOperation',
  'LeaseNotPresentWithLeaseOperation',
  'LeaseIdMissing',
  'LeaseIsBrokenAndCannotBeRenewed',
  'LeaseIsBreakingAndCannotBeAcquired',
]);
const CONDITION_CODES = new Set(['ConditionNotMet', 'BlobAlreadyExists', 'TargetConditionNotMet']);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'REQUEST_SEND_ERROR',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

interface StorageErrorShape {
  readonly statusCode?: number;
  readonly code?: string;
  readonly message: string;
  readonly name: string;
  readonly response?: { readonly headers: { get(name: string): string | undefined } };
}

function shape(error: unknown): StorageErrorShape {
  const value: StorageErrorShape = error instanceof Error ? error : new Error(String(error));
  return value;
}

/** Connects to the container a location names; nothing is requested yet. */
export async function openBlobContainer(options: BlobContainerOptions): Promise<BlobContainer> {
  const env = options.env ?? process.env;
  const { BlobServiceClient } = await import('@azure/storage-blob');
  const clientOptions = {
    retryOptions: { maxTries: 1 },
    userAgentOptions: { userAgentPrefix: 'k0rdent-deploy' },
  };
  const { location } = options;
  let service: BlobServiceClient;
  let auth: string;
  const connection = env[CONNECTION_STRING_ENV]?.trim();
  if (connection) {
    for (const part of connection.split(';')) {
      const [key, ...value] = part.split('=');
      if (key && /^(AccountKey|SharedAccessSignature)$/i.test(key.trim())) registerSecret(value.join('='));
    }
    try {
      service = BlobServiceClient.fromConnectionString(connection, clientOptions);
    } catch (error) {
      throw new UserError(
        `${CONNECTION_STRING_ENV} is not a storage connection string (${messageOf(error).split('\n')[0] ?? ''}). ` +
          'It holds AccountName and AccountKey, or BlobEndpoint and SharedAccessSignature.',
      );
    }
    const endpoint = service.url.split('?')[0]?.replace(/\/+$/, '') ?? '';
    if (service.accountName !== location.account || endpoint !== location.accountUrl) {
      throw new UserError(
        `${CONNECTION_STRING_ENV} is for storage account ${service.accountName} at ${endpoint}, but the state URL ` +
          `${location.url} names account ${location.account} at ${location.accountUrl}: make them name the same account.`,
      );
    }
    auth = `the credential in ${CONNECTION_STRING_ENV}`;
  } else {
    if (!location.accountUrl.startsWith('https:')) {
      throw new UserError(
        `${location.url} is plain http (an emulator): set ${CONNECTION_STRING_ENV} to its connection string; ` +
          'Entra ID tokens are only sent over https.',
      );
    }
    service = new BlobServiceClient(location.accountUrl, await azureCredential(env), clientOptions);
    auth = 'the Azure login (OIDC on a runner, DefaultAzureCredential elsewhere)';
  }
  return new BlobContainer(
    service.getContainerClient(location.container),
    location,
    auth,
    {
      ...DEFAULT_RETRY,
      ...options.retry,
    },
    options.onRetry,
  );
}

export class BlobContainer {
  constructor(
    private readonly client: ContainerClient,
    readonly location: BlobLocation,
    /** How requests are authenticated, for messages. */
    private readonly auth: string,
    private readonly policy: RetryPolicy,
    private readonly onRetry: ((message: string) => void) | undefined,
  ) {}

  /** The blob's content, ETag and metadata; undefined when it does not exist. */
  async read(name: string): Promise<BlobRead | undefined> {
    return this.call(`reading ${name}`, async (abortSignal) => {
      try {
        const blob = this.client.getBlobClient(name);
        const response = await blob.download(0, undefined, { abortSignal });
        const bytes = await streamToBuffer(response.readableStreamBody);
        return { bytes, etag: response.etag ?? '', metadata: response.metadata ?? {} };
      } catch (error) {
        if (shape(error).code === 'BlobNotFound') return undefined;
        throw error;
      }
    });
  }

  async properties(name: string): Promise<BlobProperties | undefined> {
    return this.call(`reading the properties of ${name}`, async (abortSignal) => {
      try {
        const p = await this.client.getBlobClient(name).getProperties({ abortSignal });
        return {
          etag: p.etag ?? '',
          size: p.contentLength ?? 0,
          metadata: p.metadata ?? {},
          leaseState: p.leaseState ?? 'available',
          lastModified: p.lastModified,
        };
      } catch (error) {
        // A HEAD has no body: the error code comes only from the x-ms-error-code header.
        if (shape(error).statusCode === 404 && shape(error).code !== 'ContainerNotFound') return undefined;
        throw error;
      }
    });
  }

  /**
   * Writes a whole blob in one request (one Put Blob: readers see the old content or the new, never
   * a part). Conditional writes that fail their condition throw BlobConditionError; a retry after a
   * lost response that finds its own write in place succeeds.
   */
  async write(
    name: string,
    bytes: Buffer,
    conditions: WriteConditions,
    metadata: Metadata = {},
  ): Promise<{ etag: string }> {
    const writeId = crypto().randomBytes(8).toString('hex');
    let attempts = 0;
    try {
      return await this.call(`writing ${name}`, async (abortSignal) => {
        attempts++;
        const result = await this.client.getBlockBlobClient(name).upload(bytes, bytes.length, {
          abortSignal,
          metadata: { ...metadata, [WRITE_ID_KEY]: writeId },
          conditions: {
            ...(conditions.ifMatch ? { ifMatch: conditions.ifMatch } : {}),
            ...(conditions.ifNoneMatch ? { ifNoneMatch: conditions.ifNoneMatch } : {}),
            ...(conditions.leaseId ? { leaseId: conditions.leaseId } : {}),
          },
          blobHTTPHeaders: { blobContentType: 'application/octet-stream' },
        });
        return { etag: result.etag ?? '' };
      });
    } catch (error) {
      // An attempt may have landed with its response lost (a retry then meets its own ETag change, or
      // the last attempt's answer never came): if the blob carries this write's id, it is ours.
      if ((error instanceof BlobConditionError && attempts > 1) || error instanceof BlobServiceError) {
        const now = await this.properties(name).catch(() => undefined);
        if (now?.metadata[WRITE_ID_KEY] === writeId) return { etag: now.etag };
      }
      throw error;
    }
  }

  async setMetadata(name: string, metadata: Metadata, leaseId: string): Promise<{ etag: string }> {
    return this.call(`setting the metadata of ${name}`, async (abortSignal) => {
      const result = await this.client
        .getBlobClient(name)
        .setMetadata({ ...metadata }, { abortSignal, conditions: { leaseId } });
      return { etag: result.etag ?? '' };
    });
  }

  /** Deletes a blob; one that is already gone is fine. */
  async delete(name: string): Promise<void> {
    await this.call(`deleting ${name}`, (abortSignal) =>
      this.client.getBlobClient(name).deleteIfExists({ abortSignal }),
    );
  }

  /** Acquires a lease; undefined when the blob does not exist. Throws LeaseHeldError when taken. */
  async acquireLease(name: string, leaseId: string, seconds: number): Promise<{ etag: string } | undefined> {
    return this.call(`leasing ${name}`, async (abortSignal) => {
      try {
        const result = await this.client
          .getBlobClient(name)
          .getBlobLeaseClient(leaseId)
          .acquireLease(seconds, { abortSignal });
        return { etag: result.etag ?? '' };
      } catch (error) {
        if (shape(error).code === 'BlobNotFound') return undefined;
        throw error;
      }
    });
  }

  async renewLease(name: string, leaseId: string): Promise<void> {
    await this.call(`renewing the lease on ${name}`, (abortSignal) =>
      this.client.getBlobClient(name).getBlobLeaseClient(leaseId).renewLease({ abortSignal }),
    );
  }

  async releaseLease(name: string, leaseId: string): Promise<void> {
    await this.call(`releasing the lease on ${name}`, (abortSignal) =>
      this.client.getBlobClient(name).getBlobLeaseClient(leaseId).releaseLease({ abortSignal }),
    );
  }

  /** Breaks whatever lease the blob has, at once. */
  async breakLease(name: string): Promise<void> {
    await this.call(`breaking the lease on ${name}`, (abortSignal) =>
      this.client.getBlobClient(name).getBlobLeaseClient().breakLease(0, { abortSignal }),
    );
  }

  /** Every blob under a prefix (one request per page of 5,000). */
  async list(prefix: string, options: { versions?: boolean } = {}): Promise<BlobEntry[]> {
    return this.call(`listing ${prefix || 'the container'}`, async (abortSignal) => {
      const out: BlobEntry[] = [];
      for await (const item of this.client.listBlobsFlat({
        prefix,
        ...(options.versions ? { includeVersions: true } : {}),
        abortSignal,
      })) {
        out.push({
          name: item.name,
          size: item.properties.contentLength ?? 0,
          lastModified: item.properties.lastModified,
          ...(item.versionId ? { versionId: item.versionId } : {}),
          ...(item.isCurrentVersion === undefined ? {} : { isCurrentVersion: item.isCurrentVersion }),
        });
      }
      return out;
    });
  }

  /** A blob version's content (history with versioning on). */
  async readVersion(name: string, versionId: string): Promise<Buffer | undefined> {
    return this.call(`reading version ${versionId} of ${name}`, async (abortSignal) => {
      try {
        const response = await this.client
          .getBlobClient(name)
          .withVersion(versionId)
          .download(0, undefined, { abortSignal });
        return await streamToBuffer(response.readableStreamBody);
      } catch (error) {
        if (shape(error).code === 'BlobNotFound') return undefined;
        throw error;
      }
    });
  }

  /** One operation with our retries and error mapping. */
  private async call<T>(what: string, operation: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      const signal = AbortSignal.timeout(this.policy.attemptTimeoutMs);
      try {
        return await operation(signal);
      } catch (raw) {
        const error = shape(raw);
        const timedOut = signal.aborted;
        const delay = this.retryDelay(error, attempt, timedOut);
        if (delay !== undefined && attempt < this.policy.tries) {
          this.onRetry?.(
            `${what}: ${describe(error, timedOut)}; attempt ${attempt + 1} of ${this.policy.tries} in ${delay} ms`,
          );
          await new Promise((resolve) => setTimeout(resolve, delay));
          continue;
        }
        throw this.translate(what, error, timedOut, attempt, Date.now() - started);
      }
    }
  }

  private retryDelay(error: StorageErrorShape, attempt: number, timedOut: boolean): number | undefined {
    const status = error.statusCode;
    const retryable =
      timedOut ||
      status === 408 ||
      status === 500 ||
      status === 502 ||
      status === 503 ||
      status === 504 ||
      (status === undefined && (NETWORK_CODES.has(error.code ?? '') || error.name === 'AbortError'));
    if (!retryable) return undefined;
    const asked = Number(error.response?.headers.get('retry-after'));
    if (Number.isFinite(asked) && asked >= 0) return Math.min(asked * 1000, this.policy.maxDelayMs);
    return Math.min(this.policy.baseDelayMs * 2 ** (attempt - 1), this.policy.maxDelayMs);
  }

  private translate(
    what: string,
    error: StorageErrorShape,
    timedOut: boolean,
    attempts: number,
    elapsedMs: number,
  ): Error {
    const { location } = this;
    const where = `container ${location.container} of storage account ${location.account}`;
    const code = error.code ?? '';
    if (error.name === 'AzureLoginError') return new UserError(`${what} in ${where}: ${error.message}`);
    if (code === 'ContainerNotFound') {
      return new UserError(
        `the ${where} does not exist (${location.url}). k0rdent-deploy does not create containers: create it ` +
          `(az storage container create --name ${location.container} --account-name ${location.account} --auth-mode login), ` +
          'or correct the state URL.',
      );
    }
    if (error.statusCode === 403) {
      const refusedLogin = code === 'AuthenticationFailed' || code === 'InvalidAuthenticationInfo';
      return new UserError(
        `${what}: access to the ${where} was refused (403 ${code || 'Forbidden'}) for ${this.auth}. ` +
          (refusedLogin
            ? 'The credential itself was not accepted: check the account key or SAS (is it expired?) or the Azure login. '
            : '') +
          'Grant the identity the role "Storage Blob Data Contributor" on the container or the storage account ' +
          `(az role assignment create --role "Storage Blob Data Contributor" --assignee <principal id> --scope ` +
          `<storage account id>/blobServices/default/containers/${location.container}); ` +
          'a SAS needs the read, add, create, write, delete and list permissions.',
      );
    }
    if (code === 'LeaseAlreadyPresent') return new LeaseHeldError(`${what}: another writer holds the lease`);
    if (LEASE_LOST_CODES.has(code)) return new LeaseLostError(`${what}: the lease is gone (${code})`, code);
    if (CONDITION_CODES.has(code) || error.statusCode === 412) {
      return new BlobConditionError(`${what}: ${code || 'precondition failed'}`);
    }
    return new BlobServiceError(
      `${what} in the ${where} failed after ${attempts} attempt(s) in ${Math.round(elapsedMs / 1000)} s: ` +
        `${describe(error, timedOut)}. Nothing was changed by the failed request; the last good state is still there.`,
    );
  }
}

function describe(error: StorageErrorShape, timedOut: boolean): string {
  if (timedOut) return 'no answer in time';
  if (error.statusCode !== undefined) return `HTTP ${error.statusCode}${error.code ? ` ${error.code}` : ''}`;
  return error.code ? `${error.code} (${error.message.split('\n')[0] ?? ''})` : error.message;
}

async function streamToBuffer(stream: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  if (!stream) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}
