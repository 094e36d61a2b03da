/**
 * The runner's command protocol, as `@actions/core` 3 speaks it: inputs from INPUT_<NAME>, outputs,
 * state and exported variables appended to the GITHUB_OUTPUT/STATE/ENV files as `name<<delimiter`
 * blocks, annotations and masks as `::command props::message` lines, the job summary appended to
 * GITHUB_STEP_SUMMARY. The same names and escaping as `@actions/core`, without its start-up cost:
 * importing `@actions/core` loads its OIDC client, and with it undici, which measured here more than
 * doubled the start of a state-only action (see bench/actions.bench.ts). Nothing else of the
 * package is needed on this path.
 */
import { appendFileSync, existsSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { EOL } from 'node:os';
import { redact } from '../secrets.js';

// node:crypto loads on first use: loading it is a measurable part of a read-only command's start-up.
const crypto = () => process.getBuiltinModule('node:crypto');

export interface AnnotationProperties {
  readonly [key: string]: string | undefined;
  readonly title?: string;
}

export function getInput(name: string): string {
  return (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

export function setOutput(name: string, value: string): void {
  keyValue('OUTPUT', 'set-output', name, redact(value));
}

export function saveState(name: string, value: string): void {
  keyValue('STATE', 'save-state', name, value);
}

export function getState(name: string): string {
  return process.env[`STATE_${name}`] ?? '';
}

export function exportVariable(name: string, value: string): void {
  process.env[name] = value;
  keyValue('ENV', 'set-env', name, value);
}

/** Masks a value in the runner's log from now on; the one command whose message is not redacted. */
export function setSecret(secret: string): void {
  process.stdout.write(`::add-mask::${escapeData(secret)}${EOL}`);
}

/**
 * A log line. Text that is not ours (a phase's output, an error message) must never become a
 * workflow command: a line starting with `::` would be obeyed by the runner (set an output, stop
 * commands, add annotations), so its second colon is broken with a zero-width space. Secrets known
 * to this process are masked first.
 */
export function info(message: string): void {
  process.stdout.write(neutralize(redact(message)) + EOL);
}

export function neutralize(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/^(\s*):(?=:)/, '$1:\u200b'))
    .join(EOL);
}

export function debug(message: string): void {
  issue('debug', {}, message);
}

export function notice(message: string, properties: AnnotationProperties = {}): void {
  issue('notice', properties, message);
}

export function warning(message: string, properties: AnnotationProperties = {}): void {
  issue('warning', properties, message);
}

export function error(message: string, properties: AnnotationProperties = {}): void {
  issue('error', properties, message);
}

/** Appends markdown to the job summary (a no-op outside a runner). */
export async function appendSummary(markdown: string): Promise<void> {
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (!file) return;
  const text = redact(markdown);
  await appendFile(file, text.endsWith('\n') ? text : text + EOL, 'utf8');
}

function keyValue(command: 'OUTPUT' | 'STATE' | 'ENV', legacy: string, name: string, value: string): void {
  const file = process.env[`GITHUB_${command}`];
  if (!file) {
    issue(legacy, { name }, value);
    return;
  }
  if (!existsSync(file)) throw new Error(`Missing file at path: ${file}`);
  const delimiter = `ghadelimiter_${crypto().randomUUID()}`;
  if (name.includes(delimiter) || value.includes(delimiter)) {
    throw new Error(`Unexpected input: ${name} contains the delimiter "${delimiter}"`);
  }
  appendFileSync(file, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`, 'utf8');
}

function issue(
  command: string,
  properties: { readonly [key: string]: string | undefined },
  message: string,
): void {
  const props = Object.entries(properties)
    .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '')
    .map(([key, value]) => `${key}=${escapeProperty(redact(value))}`)
    .join(',');
  process.stdout.write(`::${command}${props ? ` ${props}` : ''}::${escapeData(redact(message))}${EOL}`);
}

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
