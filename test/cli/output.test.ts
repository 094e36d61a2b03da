/**
 * Output that fits: tables sized to the terminal ($COLUMNS stands in for a terminal's width), never
 * cut when the output is not a terminal; one JSON convention; a quiet phase that says it is still
 * running; the run's total time; the input whose change re-runs a phase; why a phase ran.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, runOutcomes, scratchDir } from '../support/cli.js';

const LONG =
  'the image registry at registry.example.invalid refused the push because the repository quota of 50 GiB is used up';

function pipeline(workers: number): string {
  return [
    'deployment: output-demo',
    'phases:',
    '  - name: build_cluster_image',
    '    display_name: Build the cluster image',
    '    run: sleep 2.5',
    '    validate: "true"',
    '  - name: render',
    '    needs: [build_cluster_image]',
    `    inputs: { workers: ${workers}, region: west }`,
    '    run: "true"',
    '    validate: "true"',
    '  - name: push',
    '    needs: [render]',
    `    run: echo '${LONG}' >&2; exit 1`,
    '',
  ].join('\n');
}

const { dir, cleanup } = scratchDir('k0rdent-deploy-output-');
afterAll(cleanup);
const file = join(dir, 'pipeline.yml');
const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd: dir, env });
let first: Awaited<ReturnType<typeof cli>>;

beforeAll(async () => {
  writeFileSync(file, pipeline(2));
  first = await cli(['run', '--pipeline', file], { K0RDENT_HEARTBEAT_SECONDS: '1' });
});

test('a quiet phase says it is still running, and the run ends with its total time', () => {
  expect(first.code).toBe(1);
  expect(first.stdout).toMatch(/… build_cluster_image still running \(\d+(\.\d)? s\)/);
  expect(first.stdout).toMatch(/deployment output-demo: 2 completed, 1 failed in \d+(\.\d)? s/);
});

/** The text of the Reason column (the third), its wrapped lines joined. */
function reasonColumn(stdout: string): string {
  return stdout
    .split('\n')
    .map((line) => line.split('│')[3]?.trim() ?? '')
    .join(' ')
    .replace(/\s+/g, ' ');
}

test('on 80 columns status fits without a line past the edge, the long reason wrapped, not cut', async () => {
  const status = await cli(['status'], { COLUMNS: '80' });
  expect(status.code).toBe(0);
  expect(status.stdout.split('\n').filter((line) => line.length > 80)).toEqual([]);
  // Wrapped at spaces, a host name longer than the column split across lines: every character is there.
  expect(reasonColumn(status.stdout).replace(/ /g, '')).toContain(LONG.replace(/ /g, ''));
  expect(status.stdout).not.toContain('…');
  // The display name is shown under the name.
  expect(status.stdout).toMatch(/│ build_cluster_image +│ completed[^\n]*\n│ Build the cluster +│/);
});

test('on 160 columns a reason uses the room (not cut at 72); not a terminal, nothing is cut or wrapped', async () => {
  const wide = await cli(['status'], { COLUMNS: '160' });
  const lines = wide.stdout.split('\n');
  expect(lines.filter((line) => line.length > 160)).toEqual([]);
  const pushReason =
    lines
      .find((line) => line.startsWith('│ push '))
      ?.split('│')[3]
      ?.trim() ?? '';
  expect(pushReason.length).toBeGreaterThan(72);
  expect(reasonColumn(wide.stdout)).toContain(LONG);
  const piped = await cli(['status']);
  expect(piped.stdout).toContain(`run command of push exited with code 1 ${LONG}`);
  expect(piped.stdout).not.toContain('…');
});

test('status says why a phase that just ran ran', async () => {
  const status = await cli(['status']);
  expect(status.stdout).toMatch(/│ render +│ completed +│ ran: not run yet/);
});

test('every --json output is snake_case and starts with schema_version', async () => {
  const outputs = await Promise.all([
    cli(['status', '--json']),
    cli(['plan', '--json']),
    cli(['history', '--json']),
    cli(['artifact', 'verify', '--json']),
    cli(['run', '--json']),
  ]);
  const keys = (value: unknown): string[] =>
    value !== null && typeof value === 'object'
      ? Object.entries(value).flatMap(([key, v]) => [...(Array.isArray(value) ? [] : [key]), ...keys(v)])
      : [];
  for (const output of outputs) {
    const json = JSON.parse(output.stdout) as Record<string, unknown>;
    expect(Object.keys(json)[0]).toBe('schema_version');
    expect(json.schema_version).toBe(2);
    expect(keys(json).filter((key) => !/^[a-z0-9_]+$/.test(key))).toEqual([]);
  }
});

test('a changed input is named as the reason for running again', async () => {
  writeFileSync(file, pipeline(3));
  const run = await cli(['run', '--pipeline', file, '--json']);
  const render = runOutcomes(run.stdout).find((o) => o.phase === 'render');
  expect(render).toMatchObject({ decision: 'run', reason: 'inputs changed since it completed: workers' });
});
