/**
 * scripts/release.ts, the version logic of .github/workflows/release.yml: semver validation and
 * precedence, refusing a version that is not newer than every release, and what `apply` writes,
 * run as the workflow runs it on a scratch git repository.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  checkNewer,
  compareVersions,
  majorTag,
  parseVersion,
  releaseChangelog,
  releasedVersions,
  unreleasedNotes,
  versionNotes,
} from '../../scripts/release.js';
import { scratchDir } from '../support/cli.js';

const SCRIPT = join(process.cwd(), 'scripts/release.ts');

describe('versions', () => {
  test.each([
    '1.0.0',
    '0.1.0',
    '10.20.30',
    '1.0.0-rc.1',
    '1.0.0-alpha.beta',
    '1.0.0-0.3.7',
    '1.0.0-x-y-z.--',
  ])('%s is a version', (v) => expect(() => parseVersion(v)).not.toThrow());

  test.each([
    'v1.0.0',
    '1.0',
    '1',
    '01.0.0',
    '1.02.0',
    '1.0.0-01',
    '1.0.0-',
    '1.0.0+build.1',
    '1.0.0-rc..1',
    '',
  ])('%s is refused with what to give instead', (v) =>
    expect(() => parseVersion(v)).toThrow(/give MAJOR.MINOR.PATCH, e.g. 1.4.0/),
  );

  test('precedence follows semver.org section 11', () => {
    const ordered = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
      '1.0.1',
      '1.2.0',
      '1.10.0',
      '2.0.0',
    ];
    for (let i = 0; i < ordered.length; i++)
      for (let j = 0; j < ordered.length; j++)
        expect([ordered[i], ordered[j], Math.sign(compareVersions(ordered[i]!, ordered[j]!))]).toEqual([
          ordered[i],
          ordered[j],
          Math.sign(i - j),
        ]);
  });

  test('precedence is a total order on generated versions', () => {
    const ident = fc.oneof(fc.nat(30).map(String), fc.constantFrom('alpha', 'beta', 'rc', 'x-1'));
    const version = fc
      .tuple(fc.nat(3), fc.nat(3), fc.nat(3), fc.array(ident, { maxLength: 3 }))
      .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre.length ? `-${pre.join('.')}` : ''}`);
    fc.assert(
      fc.property(version, version, version, (a, b, c) => {
        // A sum, not a negation: -Math.sign(0) is -0, which toBe (Object.is) tells apart from 0.
        expect(Math.sign(compareVersions(a, b)) + Math.sign(compareVersions(b, a))).toBe(0);
        if (compareVersions(a, b) <= 0 && compareVersions(b, c) <= 0)
          expect(compareVersions(a, c)).toBeLessThanOrEqual(0);
        expect(compareVersions(a, a)).toBe(0);
      }),
      // Equal versions, which random draws seldom produce; CI once met them as a flaky failure.
      { examples: [['2.3.0', '2.3.0', '0.0.0']] },
    );
  });

  test('the major tag moves for a release, not for a pre-release', () => {
    expect(majorTag('1.4.2')).toBe('v1');
    expect(majorTag('0.3.0')).toBe('v0');
    expect(majorTag('2.0.0-rc.1')).toBeUndefined();
  });

  test('released versions come from vX.Y.Z tags only, oldest first', () => {
    expect(releasedVersions(['v1', 'v1.10.0', 'v1.2.0', 'latest', 'v1.2.0-rc.1', 'v2'])).toEqual([
      '1.2.0-rc.1',
      '1.2.0',
      '1.10.0',
    ]);
  });
});

describe('a version that is not newer is refused', () => {
  const tags = ['v1.0.0', 'v1', 'v1.2.0'];
  test.each([
    ['1.2.0', /v1.2.0 is released already/],
    ['1.1.5', /not newer than the latest release v1.2.0/],
    ['1.2.0-rc.1', /not newer than the latest release v1.2.0/],
  ])('%s', (version, message) => {
    expect(() => checkNewer(version, { current: '1.2.0', tags })).toThrow(message);
  });

  test('newer versions pass, and the first release may be the version package.json holds', () => {
    expect(() => checkNewer('1.2.1', { current: '1.2.0', tags })).not.toThrow();
    expect(() => checkNewer('2.0.0-rc.1', { current: '1.2.0', tags })).not.toThrow();
    expect(() => checkNewer('0.1.0', { current: '0.1.0', tags: [] })).not.toThrow();
    expect(() => checkNewer('0.0.9', { current: '0.1.0', tags: [] })).toThrow(
      /older than package.json's version 0.1.0/,
    );
  });
});

describe('CHANGELOG.md', () => {
  const changelog = '# Changelog\n\n## Unreleased\n\n- New thing.\n\n## 1.0.0 - 2026-01-02\n\n- First.\n';

  test('a release takes the notes under Unreleased and opens a new empty section', () => {
    expect(unreleasedNotes(changelog)).toBe('- New thing.');
    const released = releaseChangelog(changelog, '1.1.0', '2026-12-01');
    expect(released).toBe(
      '# Changelog\n\n## Unreleased\n\n## 1.1.0 - 2026-12-01\n\n- New thing.\n\n## 1.0.0 - 2026-01-02\n\n- First.\n',
    );
    expect(versionNotes(released, '1.1.0')).toBe('- New thing.');
    expect(versionNotes(released, '1.0.0')).toBe('- First.');
  });

  test('a release without notes is refused', () => {
    expect(() => unreleasedNotes('# Changelog\n\n## Unreleased\n\n## 1.0.0\n\n- First.\n')).toThrow(
      /"## Unreleased" is empty: write what changed/,
    );
    expect(() => unreleasedNotes('# Changelog\n')).toThrow(/no "## Unreleased" section/);
  });

  test("the repository's CHANGELOG.md has notes for the next release", () => {
    expect(unreleasedNotes(readFileSync('CHANGELOG.md', 'utf8'))).not.toBe('');
  });
});

describe('the script, as the release workflow runs it', () => {
  const work = scratchDir('k0rdent-deploy-release-');
  afterAll(() => work.cleanup());
  const repo = work.dir;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' });
  const release = (...args: string[]) =>
    spawnSync(process.execPath, [SCRIPT, ...args], { cwd: repo, encoding: 'utf8', timeout: 30_000 });

  beforeAll(() => {
    mkdirSync(join(repo, 'dist'));
    writeFileSync(
      join(repo, 'package.json'),
      JSON.stringify({ name: 'x', version: '1.0.0' }, null, 2) + '\n',
    );
    writeFileSync(
      join(repo, 'package-lock.json'),
      JSON.stringify(
        { name: 'x', version: '1.0.0', packages: { '': { name: 'x', version: '1.0.0' } } },
        null,
        2,
      ) + '\n',
    );
    writeFileSync(
      join(repo, 'dist/package.json'),
      JSON.stringify({ type: 'module', version: '1.0.0' }, null, 2) + '\n',
    );
    writeFileSync(
      join(repo, 'CHANGELOG.md'),
      '# Changelog\n\n## Unreleased\n\n- Faster start.\n\n## 1.0.0 - 2026-01-02\n\n- First.\n',
    );
    git('init', '-q');
    git(
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@example.invalid',
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      'first',
    );
    git('tag', 'v1.0.0');
    git('tag', 'v1');
  });

  test('check refuses a released or older version (exit 2) and accepts a newer one', () => {
    const same = release('check', '1.0.0');
    expect({ code: same.status, stderr: same.stderr }).toEqual({
      code: 2,
      stderr: 'release: v1.0.0 is released already (tag v1.0.0)\n',
    });
    expect(release('check', '0.9.0').status).toBe(2);
    expect(release('check', 'v1.1.0').stderr).toContain('no leading v');
    const newer = release('check', '1.1.0');
    expect({ code: newer.status, stdout: newer.stdout }).toEqual({
      code: 0,
      stdout: '1.1.0 can be released (v1)\n',
    });
  });

  test('apply writes the version everywhere and the notes; major names the tag to move', () => {
    const notes = join(repo, 'notes.md');
    const applied = release('apply', '1.1.0', '--date', '2026-12-01', '--notes', notes);
    expect({ code: applied.status, stderr: applied.stderr }).toEqual({ code: 0, stderr: '' });
    const json = (file: string) =>
      JSON.parse(readFileSync(join(repo, file), 'utf8')) as Record<string, unknown>;
    expect(json('package.json').version).toBe('1.1.0');
    expect(json('package-lock.json')).toEqual({
      name: 'x',
      version: '1.1.0',
      packages: { '': { name: 'x', version: '1.1.0' } },
    });
    expect(json('dist/package.json')).toEqual({ type: 'module', version: '1.1.0' });
    expect(readFileSync(notes, 'utf8')).toBe('- Faster start.\n');
    expect(readFileSync(join(repo, 'CHANGELOG.md'), 'utf8')).toContain(
      '## Unreleased\n\n## 1.1.0 - 2026-12-01\n\n- Faster start.',
    );
    expect(release('notes', '1.1.0').stdout).toBe('- Faster start.\n');
    expect(release('major', '1.1.0').stdout).toBe('v1\n');
    expect(release('major', '2.0.0-rc.1').stdout).toBe('\n');
    // Nothing is left to release until new notes are written.
    expect(release('check', '1.1.1').stderr).toContain('"## Unreleased" is empty');
  });
});
