/**
 * The domain facts the built-in phases keep in the state document (no secrets: private keys live in
 * files recorded as sensitive artifacts). Shapes are those a migrated upstream state carries, read
 * defensively: a fact of the wrong shape counts as absent.
 */
import * as z from 'zod/mini';
import { canonicalJson } from '../../state/canonical.js';
import type { JsonValue, StateDocument } from '../../state/schema.js';
import { setFact } from '../../state/transitions.js';
import type { PhaseContext } from '../phase.js';

const PeerSchema = z.looseObject({
  ip: z.string(),
  role: z.optional(z.string()),
  public_key: z.optional(z.string()),
  keys_generated_at: z.optional(z.string()),
});
export type Peer = z.infer<typeof PeerSchema>;

const VmStateSchema = z.looseObject({
  public_ip: z.optional(z.string()),
  private_ip: z.optional(z.string()),
  state: z.optional(z.string()),
  zone: z.optional(z.string()),
  size: z.optional(z.string()),
  last_checked: z.optional(z.string()),
});
export type VmState = z.infer<typeof VmStateSchema>;

export const FACT = {
  wireguardPort: 'wireguard_port',
  peers: 'wireguard_peers',
  vmStates: 'vm_states',
} as const;

function read<S extends z.ZodMiniType>(doc: StateDocument, key: string, schema: S): z.infer<S> | undefined {
  const fact = doc.facts[key];
  if (!fact) return undefined;
  const parsed = schema.safeParse(fact.value);
  return parsed.success ? parsed.data : undefined;
}

export function readPeers(doc: StateDocument): Record<string, Peer> {
  return read(doc, FACT.peers, z.record(z.string(), PeerSchema)) ?? {};
}

export function readVmStates(doc: StateDocument): Record<string, VmState> {
  return read(doc, FACT.vmStates, z.record(z.string(), VmStateSchema)) ?? {};
}

export function readWireguardPort(doc: StateDocument): number | undefined {
  return read(doc, FACT.wireguardPort, z.int().check(z.minimum(1), z.maximum(65535)));
}

/** Records a fact; the same value again changes nothing (no event, no write). */
export function writeFact(context: PhaseContext, key: string, value: unknown): void {
  const json = JSON.parse(JSON.stringify(value)) as JsonValue;
  const current = context.state.read().facts[key];
  if (current && canonicalJson(current.value) === canonicalJson(json)) return;
  context.state.update((doc, stamp) => setFact(doc, key, json, stamp, context.phase));
}
