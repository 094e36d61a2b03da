import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { definitionFromInputs } from '../../src/actions/deployment.js';
import {
  ActionInputError,
  backendInputs,
  gateInputs,
  phaseInputs,
  rollbackInputs,
} from '../../src/actions/inputs.js';

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
    adoptFresh: false,
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
    /input state-backend: "blob" is not valid: write one of auto, artifact, local, azure-blob/,
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

describe('state-backend azure-blob and state-url', () => {
  const url = 'https://acmestate.blob.core.windows.net/k0rdent/prod';

  test('a URL names account, container and prefix; alone it means azure-blob; the environment is the fallback', () => {
    expect(backendInputs(reader({ 'state-url': url }), {})).toEqual({
      backend: 'azure-blob',
      stateUrl: {
        url,
        accountUrl: 'https://acmestate.blob.core.windows.net',
        account: 'acmestate',
        container: 'k0rdent',
        prefix: 'prod',
      },
    });
    const fromEnv = backendInputs(reader({ 'state-backend': 'auto' }), {
      K0RDENT_STATE_BACKEND: 'azure-blob',
      K0RDENT_STATE_URL: 'http://127.0.0.1:10000/devstoreaccount1/state',
    });
    expect(fromEnv.stateUrl).toMatchObject({
      accountUrl: 'http://127.0.0.1:10000/devstoreaccount1',
      account: 'devstoreaccount1',
      container: 'state',
      prefix: '',
    });
    // An explicit input wins over the environment.
    expect(backendInputs(reader({ 'state-backend': 'local' }), { K0RDENT_STATE_URL: url }).backend).toBe(
      'local',
    );
  });

  test.each([
    [{ 'state-backend': 'azure-blob' }, /state-backend is azure-blob, but state-url is empty/],
    [
      { 'state-backend': 'artifact', 'state-url': url },
      /input state-url is set, but state-backend is artifact/,
    ],
    [
      { 'state-url': `${url}?sv=2024&sig=secret` },
      /a SAS does not belong in the URL, where logs would show it/,
    ],
    [{ 'state-url': 'http://acmestate.blob.core.windows.net/k0rdent' }, /it must use https/],
    [{ 'state-url': 'https://acmestate.blob.core.windows.net' }, /it names no container/],
    [
      { 'state-url': 'https://acmestate.blob.core.windows.net/K0rdent--State' },
      /"K0rdent--State" is not a container name/,
    ],
  ])('%j is refused, naming the input', (inputs, message) => {
    const error = (() => {
      try {
        backendInputs(reader(inputs), {});
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ActionInputError);
    expect(String(error)).toMatch(message);
    expect(String(error)).not.toContain('sig=secret');
  });
});

describe('enable and disable: the optional phases a step switches, as the CLI does', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'inputs-enable-'));
    writeFileSync(join(dir, 'k0rdent.yaml'), 'azure:\n  location: westus2\n');
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('lists like needs: commas, spaces or new lines, each name once; names are checked', () => {
    expect(
      phaseInputs(reader({ enable: 'install_kof_regional,\ninstall_azure_csi install_kof_regional' }), 'x'),
    ).toMatchObject({ enable: ['install_kof_regional', 'install_azure_csi'] });
    expect(phaseInputs(reader({ disable: 'setup_azure_children' }), 'x')).toMatchObject({
      disable: ['setup_azure_children'],
    });
    expect(phaseInputs(reader({}), 'x')).not.toHaveProperty('enable');
    expect(() => phaseInputs(reader({ enable: 'Install-KOF' }), 'x')).toThrow(
      /input enable: "Install-KOF" is not a phase name/,
    );
  });

  test("switch the built-in deployment's optional phases on and off through the CLI's logic, named as inputs", async () => {
    const config = join(dir, 'k0rdent.yaml');
    const build = async (values: Record<string, string>) => {
      const definition = await definitionFromInputs(phaseInputs(reader({ config, ...values }), 'x'));
      return definition?.deployment('k0rdent-inputs1');
    };
    const off = await build({});
    expect(off?.flags).toEqual({ azure_children: false, kof: false });
    const kof = await build({ enable: 'install_azure_csi install_kof_mothership install_kof_regional' });
    expect(kof?.flags).toEqual({ azure_children: true, kof: true });
    // What KOF needs comes with it.
    expect(kof?.phases.find((p) => p.name === 'setup_azure_children')?.disabledBecause).toBeUndefined();
    const children = await build({ enable: 'setup_azure_children' });
    expect(children?.flags).toEqual({ azure_children: true, kof: false });
    expect(children?.phases.find((p) => p.name === 'install_kof_regional')?.disabledBecause).toMatch(
      /kof.enabled: false/,
    );
    await expect(build({ enable: 'install_kof' })).rejects.toThrow(
      /input enable install_kof: not an optional phase of the built-in deployment \(optional phases: setup_azure_children, /,
    );
    await expect(build({ enable: 'install_kof_regional', disable: 'setup_azure_children' })).rejects.toThrow(
      /input disable setup_azure_children: install_kof_regional is on and needs it/,
    );
    await expect(build({ enable: 'install_azure_csi', disable: 'install_azure_csi' })).rejects.toThrow(
      /input enable install_azure_csi input disable install_azure_csi: a phase cannot be switched on and off at once/,
    );
  });
});
