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
  /** Azure's id of the VM: a different one means the VM was created again (a new machine). */
  vm_id: z.optional(z.string()),
  public_ip: z.optional(z.string()),
  private_ip: z.optional(z.string()),
  state: z.optional(z.string()),
  zone: z.optional(z.string()),
  size: z.optional(z.string()),
  last_checked: z.optional(z.string()),
});
export type VmState = z.infer<typeof VmStateSchema>;

const K0sHostSchema = z.looseObject({
  role: z.enum(['controller', 'controller+worker', 'worker']),
  no_taints: z.optional(z.boolean()),
  /** The WireGuard address k0sctl reaches it at. */
  address: z.string(),
  /** The VNet address: its etcd peer address, for a controller. */
  private_ip: z.optional(z.string()),
  /** The VM k0s was installed on (see VmState.vm_id). */
  vm_id: z.optional(z.string()),
});
export type K0sHost = z.infer<typeof K0sHostSchema>;

const K0sClusterSchema = z.looseObject({
  version: z.string(),
  hosts: z.record(z.string(), K0sHostSchema),
});
/** The k0s cluster as install_k0s last applied it: what runs where, with which role. */
export type K0sCluster = z.infer<typeof K0sClusterSchema>;

const AzureChildrenSchema = z.looseObject({
  subscription_id: z.string(),
  tenant_id: z.string(),
  /** The application (client) id child clusters authenticate as. */
  client_id: z.string(),
  /** The service principal's object id (role assignments name it). */
  principal_object_id: z.optional(z.string()),
  /** The application registration's object id, when this deployment created it (undo deletes it). */
  application_object_id: z.optional(z.string()),
  /** Whether this deployment created the application through Microsoft Graph (else the user supplied it). */
  created_by_deployment: z.boolean(),
  /** The role assignment this deployment created (undo deletes it), with its role and scope. */
  role_assignment_id: z.optional(z.string()),
  role: z.optional(z.string()),
  scope: z.optional(z.string()),
});
/**
 * The service principal child clusters use, as setup_azure_children recorded it. Its client secret
 * is a sensitive artifact (Layout.azureChildrenClientSecret), never a fact.
 */
export type AzureChildren = z.infer<typeof AzureChildrenSchema>;

export const FACT = {
  wireguardPort: 'wireguard_port',
  peers: 'wireguard_peers',
  vmStates: 'vm_states',
  k0sCluster: 'k0s_cluster',
  azureChildren: 'azure_children',
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

export function readK0sCluster(doc: StateDocument): K0sCluster | undefined {
  return read(doc, FACT.k0sCluster, K0sClusterSchema);
}

export function readAzureChildren(doc: StateDocument): AzureChildren | undefined {
  return read(doc, FACT.azureChildren, AzureChildrenSchema);
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
