/**
 * Secret values known to this process: generated keys, decrypted artifacts, kubeconfigs. Each is
 * registered the moment it exists; every line the CLI or an action prints goes through `redact`,
 * and in GitHub Actions the registration also reaches the runner (`core.setSecret`) through the
 * hook the actions layer installs, so the runner masks it in every later log line too.
 */

const MASK = '***';
/** Shorter fragments would mask ordinary words; GitHub ignores very short secrets too. */
const MIN_LENGTH = 6;
/**
 * A line of a multi-line secret is masked on its own only when it is long enough to be key
 * material: `apiVersion: v1` or `contexts:` in a kubeconfig would otherwise mask half the log.
 */
const MIN_LINE_LENGTH = 16;
const PEM_ARMOUR = /^-----(BEGIN|END) [A-Z ]+-----$/;
const KEY_VALUE = /^(?:- )?([\w.-]+)\s*[:=]\s*(\S.*)$/;
/**
 * Keys whose values are names, not key material: a kubeconfig names its cluster, context and user
 * after the deployment, whose id (`k0rdent-1a2b3c4d`) would otherwise be masked in every later line.
 */
const NAME_KEY = /^(?:name|cluster|user|namespace|context|current-context)$/;
const KEY_MATERIAL = /^[A-Za-z0-9+/_=-]{16,}$/;

const known = new Set<string>();
let sorted: string[] = [];
let hook: ((value: string) => void) | undefined;

/** Called with every form of every registered secret (the actions layer: core.setSecret). */
export function onSecretRegistered(register: (value: string) => void): void {
  hook = register;
  for (const value of known) register(value);
}

/**
 * Registers a secret and the forms it can be printed in: whole, each of its lines (a key or a
 * kubeconfig printed line by line), and base64 of it.
 */
export function registerSecret(value: string): void {
  const forms = new Set<string>([value, value.trim(), Buffer.from(value).toString('base64')]);
  const lines = value.split(/\r?\n/).map((line) => line.trim());
  if (lines.length > 1) {
    for (const line of lines) {
      if (line.length < MIN_LINE_LENGTH || PEM_ARMOUR.test(line)) continue;
      forms.add(line);
      // `client-key-data: …` or `PrivateKey = …`: key material may be printed without its key
      // (addresses and URLs beside it are not key material and stay readable).
      const [, key = '', value] = KEY_VALUE.exec(line) ?? [];
      if (value !== undefined && !NAME_KEY.test(key) && KEY_MATERIAL.test(value)) forms.add(value);
    }
  }
  let added = false;
  for (const form of forms) {
    if (form.length < MIN_LENGTH || known.has(form)) continue;
    known.add(form);
    hook?.(form);
    added = true;
  }
  // Longest first, so a secret that contains another is masked whole.
  if (added) sorted = [...known].sort((a, b) => b.length - a.length);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of sorted) if (out.includes(secret)) out = out.split(secret).join(MASK);
  return out;
}

/**
 * The runner's `::add-mask::` command, also how a phase's process (a script, or the CLI inside one)
 * hands a secret to the engine that runs it: one line, with `%`, CR and LF escaped.
 */
export function maskCommand(value: string): string {
  return `::add-mask::${value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}`;
}

/** The secret a `::add-mask::` line hands over, or undefined for any other line. */
export function parseMaskCommand(line: string): string | undefined {
  const match = /^\s*::add-mask::(.*)$/.exec(line);
  if (match?.[1] === undefined) return undefined;
  return match[1].replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

/** For tests: forget everything registered. */
export function resetSecretsForTests(): void {
  known.clear();
  sorted = [];
  hook = undefined;
}
