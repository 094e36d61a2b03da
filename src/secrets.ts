/**
 * Secret values known to this process: generated keys, decrypted artifacts, kubeconfigs. Each is
 * registered the moment it exists; every line the CLI or an action prints goes through `redact`,
 * and in GitHub Actions the registration also reaches the runner (`core.setSecret`) through the
 * hook the actions layer installs, so the runner masks it in every later log line too.
 */

const MASK = '***';
/** Shorter fragments would mask ordinary words; GitHub ignores very short secrets too. */
const MIN_LENGTH = 6;
/** Lines of a file shorter than this are never key material. */
const MIN_LINE_LENGTH = 16;
const PEM_ARMOUR = /^-----(BEGIN|END) [A-Z ]+-----$/;
/** `key: value` and `Key = value` pairs, also inside flow mappings (`{token: …}`). */
const PAIR = /(?:^|[\s{,[])(?:- )?([\w.-]+)\s*[:=]\s*["']?([^\s,{}[\]"']+)/g;
/** Keys whose values are secrets whatever they look like. */
const SECRET_KEY = /(token|secret|password|passwd|private-?key|key-?data|credential)$/i;
const TOKEN = /^[A-Za-z0-9+/_=-]{16,}$/;

/**
 * Random key material (base64 keys and tokens) mixes upper and lower case and digits; the names
 * beside it in a config file (`k0rdent-ab12cd34`, `wireguard-tools`, `AzurePublicCloud`) do not.
 */
function isKeyMaterial(text: string): boolean {
  return TOKEN.test(text) && /[A-Z]/.test(text) && /[a-z]/.test(text) && /[0-9]/.test(text);
}

/**
 * The key material inside a file: PEM bodies whole; the values of keys named like secrets
 * (`token:`, `PrivateKey =`, `client-key-data:`); any other line or value that looks like a key.
 */
function keyMaterialOf(lines: readonly string[]): Set<string> {
  const found = new Set<string>();
  let inPem = false;
  for (const line of lines) {
    if (PEM_ARMOUR.test(line)) {
      inPem = line.startsWith('-----BEGIN');
      continue;
    }
    if (line.length < MIN_LINE_LENGTH) continue;
    if (inPem ? TOKEN.test(line) : isKeyMaterial(line)) found.add(line);
    for (const [, key = '', value = ''] of line.matchAll(PAIR)) {
      if (SECRET_KEY.test(key) ? TOKEN.test(value) : isKeyMaterial(value)) found.add(value);
    }
  }
  return found;
}

const known = new Set<string>();
/** The forms the runner is told about (a file's key material, not the file). */
const announced = new Set<string>();
let sorted: string[] = [];
let hook: ((value: string) => void) | undefined;

/** Called with every form of every registered secret (the actions layer: core.setSecret). */
export function onSecretRegistered(register: (value: string) => void): void {
  hook = register;
  for (const value of announced) register(value);
}

/**
 * Registers a secret and the forms it can be printed in. A one-line secret (a key, a token) is
 * registered whole and in base64. A file (a cloud-init, a kubeconfig, a PEM key) is handed to the
 * runner by its key material only: PEM bodies, and lines or `key: value` values that look like keys
 * or tokens. GitHub's runner masks every line of a multi-line secret on its own, so the whole file
 * would turn `package_update: true` and `owner: root:root` into *** wherever they appear in the job
 * log. This process still masks the whole file, should it ever print it whole.
 */
export function registerSecret(value: string): void {
  const lines = value.split(/\r?\n/).map((line) => line.trim());
  const multiLine = lines.filter((line) => line !== '').length > 1;
  const forms = new Set<string>([Buffer.from(value).toString('base64')]);
  if (multiLine) for (const material of keyMaterialOf(lines)) forms.add(material);
  else forms.add(value.trim());
  const localOnly = multiLine ? [value, value.trim()] : [];
  let added = false;
  for (const form of [...forms, ...localOnly]) {
    if (form.length < MIN_LENGTH || known.has(form)) continue;
    known.add(form);
    if (forms.has(form)) {
      announced.add(form);
      hook?.(form);
    }
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
  announced.clear();
  sorted = [];
  hook = undefined;
}
