/** `status`: the deployment's state as the job summary and as JSON in the `state` output. */
import * as core from './runner-commands.js';
import { liveArtifacts, statusOf } from '../state/document.js';
import type { StateDocument } from '../state/schema.js';
import type { Deployment } from '../phases/phase.js';
import { deploymentFor, openDeployment, readInput } from './common.js';
import { Outputs } from './constants.js';
import { statusInputs } from './inputs.js';
import { phasesOf } from './phase-list.js';
import { summaryOf } from './report.js';
import { writeSummary, type SummaryPhase } from './summary.js';

export async function statusMain(): Promise<void> {
  const inputs = statusInputs(readInput);
  const opened = await openDeployment(inputs);
  let deployment: Deployment | undefined;
  try {
    deployment = opened.stored || opened.fromFile ? await deploymentFor(opened) : undefined;
  } catch {
    deployment = undefined; // phases of gate/complete steps: the state alone lists them
  }
  if (inputs.rekey) {
    const files = await opened.state.rekey();
    core.info(
      opened.state.backend === 'local'
        ? 'rekey: the local state backend keeps nothing encrypted; nothing to do'
        : `rekey: uploaded the state again under the current state-key (${files} sensitive file(s) re-encrypted)`,
    );
  }
  const phases = phasesOf(deployment, opened.stored);
  core.setOutput(Outputs.state, JSON.stringify(stateJson(opened.deploymentId, opened.stored, phases)));
  await writeSummary(summaryOf(opened, opened.stored, phases, new Map(), 'status'));
}

/** The `state` output: phases by name in execution order, and the live artifacts. */
export function stateJson(
  id: string,
  doc: StateDocument | undefined,
  phases: readonly SummaryPhase[],
): unknown {
  return {
    deployment_id: id,
    phases: Object.fromEntries(
      phases.map((p) => {
        const record = doc?.phases[p.name];
        return [
          p.name,
          {
            status: doc ? statusOf(doc, p.name) : 'pending',
            attempts: record?.attempts ?? 0,
            updated_at: record?.updated_at ?? null,
            ...(record?.reason ? { reason: record.reason } : {}),
            ...(record?.last_run ? { last_run: record.last_run } : {}),
          },
        ];
      }),
    ),
    artifacts: Object.fromEntries(
      (doc ? liveArtifacts(doc) : []).map(([name, a]) => [
        name,
        { path: a.path, sha256: a.sha256, sensitive: a.sensitive },
      ]),
    ),
  };
}
