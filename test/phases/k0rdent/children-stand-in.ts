/**
 * Until setup_azure_children is built (issue 12, part A), this stands in for what it hands on, through
 * the contract the KOF phases read: the azure_children fact, the client secret as a sensitive file at
 * Layout.azureChildrenClientSecret, and the Credential in kcm-system. Its undo removes them.
 */
import { rm } from 'node:fs/promises';
import type { Phase, PhaseContext } from '../../../src/phases/phase.js';
import { FACT, writeFact } from '../../../src/phases/k0rdent/facts.js';
import { writeArtifact } from '../../../src/phases/k0rdent/files.js';
import { Layout } from '../../../src/phases/k0rdent/layout.js';
import type { Harness } from './harness.js';

export const CHILD_CLIENT_SECRET = 'child-client-secret-4f9a0c1d2e3b';
export const CHILD_CLIENT_ID = '11111111-2222-3333-4444-555555555555';
const CREDENTIAL = 'Credential/kcm-system/azure-cluster-credential';

export function childrenStandIn(phase: Phase, harness: () => Harness): Phase {
  const layout = (context: PhaseContext) => new Layout(harness().stateDir, context.deploymentId);
  return {
    name: phase.name,
    displayName: phase.displayName,
    needs: phase.needs,
    optional: true,
    runnerScoped: false,
    inputs: phase.inputs,
    async run(context) {
      const h = harness();
      writeFact(context, FACT.azureChildren, {
        subscription_id: h.arm.subscriptionId,
        tenant_id: '72f988bf-86f1-41af-91ab-2d7cd011db47',
        client_id: CHILD_CLIENT_ID,
        created_by_deployment: false,
      });
      const file = layout(context).azureChildrenClientSecret();
      await writeArtifact(context, { ...file, content: CHILD_CLIENT_SECRET, sensitive: true });
      h.shims.updateWorld((w) => {
        w.objects ??= {};
        w.objects[CREDENTIAL] = {
          apiVersion: 'k0rdent.mirantis.com/v1beta1',
          kind: 'Credential',
          metadata: { name: 'azure-cluster-credential', namespace: 'kcm-system' },
        };
      });
    },
    validate: () => Promise.resolve({ ok: true, evidence: 'stand-in' }),
    async rollback(context) {
      harness().shims.updateWorld((w) => {
        delete w.objects?.[CREDENTIAL];
      });
      await rm(layout(context).azureChildrenClientSecret().path, { force: true });
      writeFact(context, FACT.azureChildren, null);
    },
  };
}
