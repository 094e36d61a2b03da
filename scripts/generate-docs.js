// Writes the README's action reference (usage, inputs and outputs of every action) from the
// action.yml files, between the GENERATED markers, so the docs cannot drift from the metadata.
// `--check` writes nothing and exits 1 when the README is stale (npm test runs it this way).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { format, resolveConfig } from 'prettier';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const README = join(root, 'README.md');
const BEGIN = '<!-- BEGIN GENERATED: action reference (npm run docs) -->';
const END = '<!-- END GENERATED: action reference -->';
const REPO = 'k0rdent/k0rdent-deploy';
const MAIN_ACTIONS = ['gate', 'complete', 'rollback', 'status'];

function read(dir) {
  return /** @type {any} */ (load(readFileSync(join(root, dir, 'action.yml'), 'utf8')));
}

function cell(text) {
  return String(text ?? '')
    .replace(/\s+/g, ' ')
    .replace(/\|/g, '\\|')
    .trim();
}

function tables(action) {
  const lines = ['| Input | Required | Default | Description |', '| --- | --- | --- | --- |'];
  for (const [name, spec] of Object.entries(action.inputs ?? {})) {
    const fallback = spec.default === undefined || spec.default === '' ? '' : `\`${cell(spec.default)}\``;
    lines.push(`| \`${name}\` | ${spec.required ? 'yes' : 'no'} | ${fallback} | ${cell(spec.description)} |`);
  }
  lines.push('', '| Output | Description |', '| --- | --- |');
  for (const [name, spec] of Object.entries(action.outputs ?? {}))
    lines.push(`| \`${name}\` | ${cell(spec.description)} |`);
  return lines;
}

function usage(path, action, example) {
  const required = Object.entries(action.inputs ?? {}).filter(([, spec]) => spec.required);
  const withLines = Object.entries({ ...Object.fromEntries(required.map(([n]) => [n, '…'])), ...example });
  return [
    '```yaml',
    `- uses: ${REPO}${path ? `/${path}` : ''}@v1`,
    ...(withLines.length ? ['  with:', ...withLines.map(([k, v]) => `    ${k}: ${v}`)] : []),
    '```',
  ];
}

export function generate() {
  const out = [BEGIN, '', '### Action reference', ''];
  const rootAction = read('.');
  out.push(`#### \`${REPO}\` (root): ${rootAction.name}`, '', cell(rootAction.description), '');
  out.push(
    ...usage('', rootAction, { phase: 'render_config', pipeline: 'deploy/pipeline.yml' }),
    '',
    ...tables(rootAction),
    '',
  );

  const examples = {
    gate: { phase: 'build_image', 'deployment-id': 'my-env' },
    complete: { phase: 'build_image', 'deployment-id': 'my-env' },
    rollback: { to: 'install_k0s', destroy: 'true', config: 'config/k0rdent.yaml' },
    status: { config: 'config/k0rdent.yaml' },
  };
  for (const name of MAIN_ACTIONS) {
    const action = read(`actions/${name}`);
    out.push(`#### \`${REPO}/actions/${name}\`: ${action.name}`, '', cell(action.description), '');
    out.push(...usage(`actions/${name}`, action, examples[name]), '', ...tables(action), '');
  }

  const presets = readdirSync(join(root, 'actions'))
    .filter((d) => !MAIN_ACTIONS.includes(d) && existsSync(join(root, 'actions', d, 'action.yml')))
    .sort();
  const first = read(`actions/${presets[0]}`);
  out.push(
    '#### Per-phase presets: `actions/<phase-with-dashes>`',
    '',
    'One preset of the root action per built-in k0rdent phase; each fixes `phase` and takes the inputs below.',
    '',
    ...presets.map((p) => `- \`${REPO}/actions/${p}\`: ${cell(read(`actions/${p}`).name)}`),
    '',
    ...usage(`actions/${presets[0]}`, first, { config: 'config/k0rdent.yaml' }),
    '',
    ...tables(first),
    '',
    END,
  );
  return out.join('\n');
}

const text = readFileSync(README, 'utf8');
const start = text.indexOf(BEGIN);
const end = text.indexOf(END);
if (start < 0 || end < start) {
  console.error(`README.md has no ${BEGIN} … ${END} section`);
  process.exit(2);
}
// Formatted as `prettier --check` expects it, so the two checks agree.
const fresh = await format(text.slice(0, start) + generate() + text.slice(end + END.length), {
  ...(await resolveConfig(README)),
  filepath: README,
});
if (process.argv.includes('--check')) {
  if (fresh !== text) {
    console.error('README.md action reference is stale: run npm run docs and commit README.md');
    process.exit(1);
  }
} else if (fresh !== text) {
  writeFileSync(README, fresh);
}
