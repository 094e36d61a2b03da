import { ActionInputError, gateInputs, phaseInputs, rollbackInputs } from '../../src/actions/inputs.js';

const reader = (values: Record<string, string>) => (name: string) => values[name] ?? '';

test('typed inputs: empty is absent, booleans strict, needs split', () => {
  expect(
    phaseInputs(reader({ phase: 'create_vms', pipeline: ' p.yml ', force: 'true', 'state-backend': '' })),
  ).toEqual({
    phase: 'create_vms',
    pipeline: 'p.yml',
    stateBackend: 'auto',
    needs: [],
    force: true,
    dryRun: false,
  });
  expect(gateInputs(reader({ phase: 'x', needs: 'a, b\nc', 'deployment-id': 'demo' })).needs).toEqual([
    'a',
    'b',
    'c',
  ]);
  expect(phaseInputs(reader({}), 'install_k0s').phase).toBe('install_k0s');
});

test.each([
  [{ phase: 'Create-VMs' }, /input phase: "Create-VMs" is not valid: expected a phase name/],
  [{ phase: 'x', force: 'yes' }, /input force: "yes" is not valid: write true or false/],
  [
    { phase: 'x', 'state-backend': 'blob' },
    /input state-backend: "blob" is not valid: write one of auto, artifact, local/,
  ],
  [{ phase: 'x', pipeline: 'a.yml', config: 'b.yml' }, /inputs pipeline and config are both set/],
  [
    { phase: 'x', run: 'make', pipeline: 'a.yml' },
    /input run defines a phase of its own; it cannot be combined with pipeline/,
  ],
  [
    { phase: 'x', 'deployment-id': 'Bad_Id' },
    /input deployment-id: "Bad_Id" is not valid: expected a deployment id/,
  ],
  [{}, /input phase is required/],
])('%j is refused, naming the input', (values, message) => {
  expect(() => phaseInputs(reader(values))).toThrow(ActionInputError);
  expect(() => phaseInputs(reader(values))).toThrow(message);
});

test('rollback needs to, and destroy defaults to false', () => {
  expect(() => rollbackInputs(reader({}))).toThrow(/input to is required/);
  expect(rollbackInputs(reader({ to: 'install_k0s' }))).toMatchObject({
    to: 'install_k0s',
    destroy: false,
    dryRun: false,
  });
});
