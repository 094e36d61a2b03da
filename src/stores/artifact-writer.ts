/**
 * Writing and deleting this job's state artifacts with the real `@actions/artifact` client, through
 * the runtime token (uploads always go to the current run). The client is large and slow to load,
 * so it is imported on first use: a step that only reads state never loads it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The run already has an artifact of this name (HTTP 409): only the run's head can meet this. */
export class NameTakenError extends Error {
  override readonly name = 'NameTakenError';
}

export interface UploadedArtifact {
  readonly id: number;
  readonly name: string;
}

type Client = import('@actions/artifact').ArtifactClient;

export class ArtifactWriter {
  private client: Promise<Client> | undefined;

  constructor(
    private readonly options: { readonly tempDir?: string; readonly retentionDays?: number } = {},
  ) {}

  /** Uploads `text` as one unzipped file; the artifact is named after the file, which is `name`. */
  async upload(name: string, text: string): Promise<UploadedArtifact> {
    const client = await this.load();
    const dir = await mkdtemp(join(this.options.tempDir ?? tmpdir(), 'k0rdent-state-'));
    try {
      const file = join(dir, name);
      await writeFile(file, text, { mode: 0o600 });
      const result = await client
        .uploadArtifact(name, [file], dir, {
          skipArchive: true,
          ...(this.options.retentionDays === undefined ? {} : { retentionDays: this.options.retentionDays }),
        })
        .catch((error: unknown) => {
          if (error instanceof Error && /\(409\)|already exists/i.test(error.message)) {
            throw new NameTakenError(`an artifact named ${name} already exists in this run`);
          }
          throw error;
        });
      if (result.id === undefined) throw new Error(`uploading ${name}: the service returned no artifact id`);
      return { id: result.id, name };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Deletes an artifact this job uploaded in this attempt (the runtime token reaches no other). */
  async delete(name: string): Promise<void> {
    const client = await this.load();
    await client.deleteArtifact(name);
  }

  private load(): Promise<Client> {
    this.client ??= import('@actions/artifact').then(
      ({ DefaultArtifactClient }) => new DefaultArtifactClient(),
    );
    return this.client;
  }
}
