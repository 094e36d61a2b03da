/**
 * The emulator's side of blob storage: one container in Azurite, SAS URLs for the client (signed
 * with the well-known devstoreaccount1 key, pointing at the logging proxy), and direct reads that
 * bypass the proxy so the emulator's own bookkeeping never shows up in request counts.
 */
import { createHash } from 'node:crypto';
import {
  BlobSASPermissions,
  BlobServiceClient,
  type ContainerClient,
  generateBlobSASQueryParameters,
  RestError,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { contentDisposition } from './content-disposition.js';

/** Azurite's documented development account and key (public, not a secret). */
const ACCOUNT = 'devstoreaccount1';
const ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const CONTAINER = 'actions-results';

export interface BlobContent {
  readonly bytes: Buffer;
  readonly contentType: string | undefined;
}

export class BlobStorage {
  readonly #credential = new StorageSharedKeyCredential(ACCOUNT, ACCOUNT_KEY);
  readonly #container: ContainerClient;

  /**
   * @param azuriteOrigin where Azurite really listens (used for the emulator's own reads)
   * @param publicOrigin what signed URLs point at (the proxy that logs and injects faults)
   */
  constructor(
    azuriteOrigin: string,
    private readonly publicOrigin: string,
  ) {
    const service = new BlobServiceClient(`${azuriteOrigin}/${ACCOUNT}`, this.#credential, {
      retryOptions: { maxTries: 2, retryDelayInMs: 100 },
    });
    this.#container = service.getContainerClient(CONTAINER);
  }

  async init(): Promise<void> {
    await this.#container.createIfNotExists();
  }

  #signedUrl(blobName: string, permissions: string, ttlMs: number, disposition?: string): string {
    const sas = generateBlobSASQueryParameters(
      {
        containerName: CONTAINER,
        blobName,
        permissions: BlobSASPermissions.parse(permissions),
        expiresOn: new Date(Date.now() + ttlMs),
        ...(disposition === undefined ? {} : { contentDisposition: disposition }),
      },
      this.#credential,
    ).toString();
    const path = blobName.split('/').map(encodeURIComponent).join('/');
    return `${this.publicOrigin}/${ACCOUNT}/${CONTAINER}/${path}?${sas}`;
  }

  /** Create+write only: the client stages blocks and commits the block list with it. */
  uploadUrl(blobName: string, ttlMs: number): string {
    return this.#signedUrl(blobName, 'cw', ttlMs);
  }

  /** Read only, with the file name the client should save a non-zip download under. */
  downloadUrl(blobName: string, fileName: string, ttlMs: number): string {
    return this.#signedUrl(blobName, 'r', ttlMs, contentDisposition(fileName));
  }

  /** The committed blob, or undefined if there is none (never uploaded, or only staged blocks). */
  async read(blobName: string): Promise<BlobContent | undefined> {
    const blob = this.#container.getBlobClient(blobName);
    try {
      const bytes = await blob.downloadToBuffer();
      const props = await blob.getProperties();
      return { bytes, contentType: props.contentType };
    } catch (error: unknown) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }
}

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
