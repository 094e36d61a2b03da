// Writes the generated parts of the docs between their GENERATED markers, so they cannot drift from
// their sources: the action reference in docs/actions.md (usage, inputs and outputs of every
// action.yml) and the CLI reference in docs/cli.md (the --help of every command, from the command
// definitions, as dist/cli.js prints them). `--check` writes nothing and exits 1 when a page is stale
// (npm test runs it this way).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { format, resolveConfig } from 'prettier';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BEGIN = '<!-- BEGIN GENERATED: action reference (npm run docs) -->';
const END = '<!-- END GENERATED: action reference -->';
const CLI_BEGIN = '<!-- BEGIN GENERATED: CLI reference (npm run docs) -->';
const CLI_END = '<!-- END GENERATED: CLI reference -->';
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
  const out = [BEGIN, '', '## Action reference', ''];
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
    '### Per-phase presets: `actions/<phase-with-dashes>`',
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

/** The --help of a command of the built CLI (80 columns: its output is not a terminal). */
function help(args) {
  return execFileSync(process.execPath, [join(root, 'dist/cli.js'), ...args, '--help'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' },
  }).trimEnd();
}

/** The commands a --help lists (its "Commands:" block), without `help`. */
function commandsIn(text) {
  const block = text.split(/^Commands:$/m)[1] ?? '';
  return [...block.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]).filter((name) => name !== 'help');
}

export function generateCli() {
  const out = [
    CLI_BEGIN,
    '',
    '## Command reference',
    '',
    'Every command, as `k0rdent-deploy <command> --help` prints it.',
    '',
  ];
  const walk = (path) => {
    const text = help(path);
    out.push(
      `### \`k0rdent-deploy${path.length ? ` ${path.join(' ')}` : ''}\``,
      '',
      '```text',
      text,
      '```',
      '',
    );
    for (const name of commandsIn(text)) walk([...path, name]);
  };
  walk([]);
  out.push(CLI_END);
  return out.join('\n');
}

/** Replaces the part between the markers of `file` with `fresh`; returns whether it was stale. */
async function update(file, begin, end, fresh) {
  const path = join(root, file);
  const text = readFileSync(path, 'utf8');
  const start = text.indexOf(begin);
  const stop = text.indexOf(end);
  if (start < 0 || stop < start) {
    console.error(`${file} has no ${begin} … ${end} section`);
    process.exit(2);
  }
  // Formatted as `prettier --check` expects it, so the two checks agree.
  const next = await format(text.slice(0, start) + fresh + text.slice(stop + end.length), {
    ...(await resolveConfig(path)),
    filepath: path,
  });
  if (next === text) return false;
  if (process.argv.includes('--check')) {
    console.error(`${file} is stale: run npm run docs and commit it`);
  } else {
    writeFileSync(path, next);
  }
  return true;
}

const stale = [
  await update('docs/actions.md', BEGIN, END, generate()),
  await update('docs/cli.md', CLI_BEGIN, CLI_END, generateCli()),
];
if (process.argv.includes('--check') && stale.some(Boolean)) process.exit(1);
