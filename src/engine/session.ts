/**
 * One command's hold on a deployment's state: the lock (for writers), the loaded document, the
 * clock that stamps every change, and commits that merge with whatever the store holds.
 */
import { UserError } from '../errors.js';
import type { Deployment } from '../phases/phase.js';
import { fingerprint } from '../state/canonical.js';
import { createDocument, latestStamp, type Stamp } from '../state/document.js';
import { HybridClock } from '../state/hlc.js';
import type { JsonValue, RunRef, StateDocument } from '../state/schema.js';
import { setConfig } from '../state/transitions.js';
import type { SaveOptions, StateStore, StoreLock } from '../stores/store.js';
import { protectSensitiveArtifacts } from './artifacts.js';
import type { Reporter } from './reporter.js';
import { currentRun, newNodeId, RUN_ID_ENV } from './run-ref.js';

export interface SessionOptions {
  readonly store: StateStore;
  /**
   * The deployment the command works on; its id must match the stored state's. Absent for commands
   * that attach to an existing deployment's state (`artifact record` from inside a phase).
   */
  readonly deployment?: Pick<Deployment, 'id' | 'source' | 'phases' | 'flags' | 'config'>;
  readonly command: string;
  readonly reporter: Reporter;
  readonly run?: RunRef;
  readonly now?: () => number;
}

export class Session {
  private dirty = false;

  private constructor(
    private readonly store: StateStore,
    private current: StateDocument,
    private readonly clock: HybridClock,
    readonly run: RunRef,
    private readonly held: StoreLock,
    /** Whether the stored state existed before this session. */
    readonly existed: boolean,
  ) {}

  /** Locks the store, loads (or creates) the document and records the deployment's configuration. */
  static async open(options: SessionOptions): Promise<Session> {
    const { store, deployment, reporter } = options;
    const held = await store.lock({
      command: options.command,
      onWarning: (message) => reporter.warn(message, 'Stale lock'),
    });
    try {
      const loaded = await store.load();
      const clock = new HybridClock(newNodeId(), options.now);
      const run = options.run ?? currentRun();
      if (loaded?.migration) {
        reporter.notice(
          `migrated ${store.description} from the upstream ${loaded.migration.format} format; ` +
            `the original is kept next to it on the first write`,
          'State migrated',
        );
      }
      if (loaded && deployment) assertSameDeployment(loaded.doc, deployment.id, store.description);
      clock.observe(loaded ? latestStamp(loaded.doc) : undefined);
      let doc = loaded?.doc;
      if (!doc) {
        if (!deployment) throw new UserError(`no deployment state in ${store.description}`);
        const phases = deployment.phases.map((p) => p.name);
        doc = createDocument(
          { deploymentId: deployment.id, source: deployment.source, phases },
          stampOf(clock, run),
        );
      }
      await protectSensitiveArtifacts(doc);
      const session = new Session(store, doc, clock, run, held, loaded !== undefined);
      session.dirty = loaded === undefined || loaded.migration !== undefined;
      if (deployment) session.recordConfig(deployment);
      return session;
    } catch (error) {
      await held.release();
      throw error;
    }
  }

  get doc(): StateDocument {
    return this.current;
  }

  stamp(): Stamp {
    return stampOf(this.clock, this.run);
  }

  change(apply: (doc: StateDocument, stamp: Stamp) => StateDocument): void {
    const next = apply(this.current, this.stamp());
    if (next !== this.current) {
      this.current = next;
      this.dirty = true;
    }
  }

  /**
   * Persists pending changes, merged with the stored state (a child process may have added to it).
   * The lock is checked first: a session whose lock was lost or taken throws LockLostError and
   * writes nothing.
   */
  async commit(options: SaveOptions = {}): Promise<void> {
    if (!this.dirty) return;
    await this.held.verify();
    this.current = await this.store.save(this.current, options);
    this.clock.observe(latestStamp(this.current));
    this.dirty = false;
    // A phase's child process may have recorded a sensitive file: mask it before anything else prints.
    await protectSensitiveArtifacts(this.current);
  }

  /** Environment for a phase's child processes: the store's location, the lock token, the run. */
  childEnv(): Record<string, string> {
    return { ...this.store.childEnv(), [RUN_ID_ENV]: this.run.run_id };
  }

  archive(doc: StateDocument, label: string): Promise<string> {
    return this.store.archive(doc, label);
  }

  async close(): Promise<void> {
    await this.held.release();
  }

  private recordConfig(deployment: NonNullable<SessionOptions['deployment']>): void {
    const snapshot = JSON.parse(JSON.stringify(deployment.config ?? null)) as JsonValue;
    const print = fingerprint(snapshot);
    const flags = { ...deployment.flags };
    const stored = this.current.config;
    if (stored?.fingerprint === print && fingerprint(stored.flags) === fingerprint(flags)) return;
    this.change((doc, stamp) =>
      setConfig(doc, stamp, { fingerprint: print, flags, snapshot }, deployment.source),
    );
  }
}

export function assertSameDeployment(doc: StateDocument, expected: string, where: string): void {
  if (doc.deployment_id !== expected) {
    throw new UserError(
      `${where} holds deployment "${doc.deployment_id}", not "${expected}". ` +
        `Use another --state-dir for a second deployment, or rename the deployment back.`,
    );
  }
}

function stampOf(clock: HybridClock, run: RunRef): Stamp {
  return { hlc: clock.tick(), at: clock.isoNow(), run };
}
