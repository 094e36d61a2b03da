// The version logic of a release (.github/workflows/release.yml runs it; test/release tests it):
//   node scripts/release.ts check VERSION   exit 2 unless VERSION is X.Y.Z[-pre] (semver 2.0.0), newer
//                                           than package.json and every v* tag, and CHANGELOG.md has
//                                           notes under "## Unreleased"
//   node scripts/release.ts apply VERSION [--date YYYY-MM-DD] [--notes FILE]
//                                           writes VERSION into package.json, package-lock.json and
//                                           dist/package.json, turns "## Unreleased" into
//                                           "## VERSION - date" under a new empty "## Unreleased",
//                                           and writes that version's notes to FILE
//   node scripts/release.ts notes VERSION   prints the notes of VERSION from CHANGELOG.md
//   node scripts/release.ts major VERSION   prints the major tag VERSION moves (v1), nothing for a pre-release
// Everything works on the current directory, so that a test can run it on a scratch repository.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

// Semantic Versioning 2.0.0 (semver.org), without build metadata: it does not order versions and a
// tag that carries it would compare equal to one without.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?$/;

export class ReleaseError extends Error {}

export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly pre: readonly string[];
}

export function parseVersion(text: string): Version {
  const match = SEMVER.exec(text);
  if (!match)
    throw new ReleaseError(
      `"${text}" is not a version: give MAJOR.MINOR.PATCH, e.g. 1.4.0, or a pre-release such as 1.4.0-rc.1 (no leading v, no leading zeros)`,
    );
  return {
    major: Number(match[1]),
    minor: Number(match[2]),
    patch: Number(match[3]),
    pre: match[4] === undefined ? [] : match[4].split('.'),
  };
}

/** Semver precedence: negative when a < b, 0 when equal, positive when a > b. */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  for (const key of ['major', 'minor', 'patch'] as const) {
    if (x[key] !== y[key]) return x[key] < y[key] ? -1 : 1;
  }
  // A pre-release ranks below its release; identifiers compare left to right, numbers as numbers
  // and below any alphanumeric identifier; a longer list wins a tie.
  if (x.pre.length === 0 || y.pre.length === 0) {
    if (x.pre.length === y.pre.length) return 0;
    return x.pre.length === 0 ? 1 : -1;
  }
  for (let i = 0; i < Math.min(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i] ?? '';
    const q = y.pre[i] ?? '';
    if (p === q) continue;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn) return Number(p) < Number(q) ? -1 : 1;
    if (pn !== qn) return pn ? -1 : 1;
    return p < q ? -1 : 1;
  }
  return Math.sign(x.pre.length - y.pre.length);
}

/** The major tag a release moves (`v1` for 1.4.0); none for a pre-release. */
export function majorTag(version: string): string | undefined {
  const v = parseVersion(version);
  return v.pre.length === 0 ? `v${v.major}` : undefined;
}

/** The released versions among git tags (`v1.2.3`); other tags, such as the major `v1`, are ignored. */
export function releasedVersions(tags: readonly string[]): string[] {
  return tags
    .filter((tag) => tag.startsWith('v') && SEMVER.test(tag.slice(1)))
    .map((tag) => tag.slice(1))
    .sort(compareVersions);
}

/** Refuses a version that is not newer than the package's version and every release tag. */
export function checkNewer(version: string, known: { current: string; tags: readonly string[] }): void {
  const { current, tags } = known;
  parseVersion(version);
  const released = releasedVersions(tags);
  const newest = released.at(-1);
  if (released.includes(version)) throw new ReleaseError(`v${version} is released already (tag v${version})`);
  if (newest !== undefined && compareVersions(version, newest) <= 0)
    throw new ReleaseError(
      `${version} is not newer than the latest release v${newest}: give a higher version`,
    );
  // package.json holds the last release's version, or the next one's when someone raised it already
  // (before the first release, 0.1.0): releasing that very version is fine, going below it is not.
  if (compareVersions(version, current) < 0)
    throw new ReleaseError(
      `${version} is older than package.json's version ${current}: give a higher version`,
    );
}

const UNRELEASED = /^## Unreleased[ \t]*$/m;

/** The notes under `## Unreleased`, which a release needs. */
export function unreleasedNotes(changelog: string): string {
  const match = UNRELEASED.exec(changelog);
  if (!match)
    throw new ReleaseError(
      'CHANGELOG.md has no "## Unreleased" section: add one with the notes of this release',
    );
  const body = sectionBody(changelog, match.index + match[0].length);
  if (body === '')
    throw new ReleaseError(
      'CHANGELOG.md: "## Unreleased" is empty: write what changed in this release under it',
    );
  return body;
}

/** Renames `## Unreleased` to the release and opens a new empty one above it. */
export function releaseChangelog(changelog: string, version: string, date: string): string {
  unreleasedNotes(changelog);
  return changelog.replace(UNRELEASED, `## Unreleased\n\n## ${version} - ${date}`);
}

/** The notes of one released version. */
export function versionNotes(changelog: string, version: string): string {
  const heading = new RegExp(`^## \\[?${version.replace(/[.+]/g, '\\$&')}\\]?(?: - .*)?$`, 'm');
  const match = heading.exec(changelog);
  if (!match) throw new ReleaseError(`CHANGELOG.md has no "## ${version}" section`);
  return sectionBody(changelog, match.index + match[0].length);
}

function sectionBody(text: string, from: number): string {
  const rest = text.slice(from);
  const next = rest.search(/^## /m);
  return (next < 0 ? rest : rest.slice(0, next)).trim();
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function gitTags(cwd: string): string[] {
  return execFileSync('git', ['tag', '--list', 'v*'], { cwd, encoding: 'utf8' }).split('\n').filter(Boolean);
}

function main(argv: string[]): void {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { date: { type: 'string' }, notes: { type: 'string' } },
  });
  const [command, version] = positionals;
  if (!command || !version || !['check', 'apply', 'notes', 'major'].includes(command))
    throw new ReleaseError(
      'usage: node scripts/release.ts check|apply|notes|major VERSION [--date YYYY-MM-DD] [--notes FILE]',
    );
  if (command === 'major') {
    process.stdout.write(`${majorTag(version) ?? ''}\n`);
    return;
  }
  const cwd = process.cwd();
  const changelog = readFileSync(join(cwd, 'CHANGELOG.md'), 'utf8');
  if (command === 'notes') {
    process.stdout.write(`${versionNotes(changelog, version)}\n`);
    return;
  }
  const pkg = readJson(join(cwd, 'package.json'));
  checkNewer(version, { current: String(pkg.version), tags: gitTags(cwd) });
  const notes = unreleasedNotes(changelog);
  if (command === 'check') {
    process.stdout.write(
      `${version} can be released (${majorTag(version) ?? 'a pre-release: no major tag moves'})\n`,
    );
    return;
  }
  const date = values.date ?? new Date().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new ReleaseError(`--date ${date}: expected YYYY-MM-DD`);
  writeJson(join(cwd, 'package.json'), { ...pkg, version });
  const lockFile = join(cwd, 'package-lock.json');
  if (existsSync(lockFile)) {
    const lock = readJson(lockFile) as { version?: string; packages?: Record<string, { version?: string }> };
    lock.version = version;
    const root = lock.packages?.[''];
    if (root) root.version = version;
    writeJson(lockFile, lock);
  }
  // scripts/bundle.js writes the same file; the version is what `k0rdent-deploy --version` prints.
  const distPackage = join(cwd, 'dist/package.json');
  if (existsSync(distPackage)) writeJson(distPackage, { ...readJson(distPackage), version });
  writeFileSync(join(cwd, 'CHANGELOG.md'), releaseChangelog(changelog, version, date));
  if (values.notes) writeFileSync(values.notes, `${notes}\n`);
  process.stdout.write(
    `version ${version}; tag v${version}${majorTag(version) ? `, move ${majorTag(version)}` : ''}\n`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof ReleaseError)) throw error;
    process.stderr.write(`release: ${error.message}\n`);
    process.exitCode = 2;
  }
}
