import {
  DEPLOYMENT_ID_PATTERN,
  isContainedPath,
  SINGLE_LINE_PATTERN,
  SNAKE_NAME_PATTERN,
} from '../../src/state/names.js';

test('artifact paths cannot leave the working directory', () => {
  for (const ok of ['state/kubeconfig', 'scratch/local-demo/keys/hub.key', 'a..b/c', '.hidden/file', 'ab:c', '1:x', 'x'])
    expect([ok, isContainedPath(ok)]).toEqual([ok, true]);
  for (const bad of [
    '',
    '/etc/passwd',
    '../outside',
    'state/../../outside',
    'a/..',
    '..',
    '\\\\server\\share',
    'C:\\temp',
    'c:temp',
    'a\\..\\b',
    'a/..\\b',
    'a\nb',
    'a\u0000b',
  ]) {
    expect([bad, isContainedPath(bad)]).toEqual([bad, false]);
  }
});

test('deployment ids cannot carry shell metacharacters, separators, dots or workflow commands', () => {
  for (const ok of ['local-demo', 'k0rdent-ab12cd34', 'a', '0', 'ab', 'a-b', 'a'.repeat(63), `a${'-'.repeat(61)}b`])
    expect([ok, DEPLOYMENT_ID_PATTERN.test(ok)]).toEqual([ok, true]);
  for (const bad of [
    'demo; rm -rf /',
    '../x',
    'a/b',
    'x..y',
    '::warning::x',
    'a\nb',
    '-leading',
    'trailing-',
    '_demo',
    'demo_',
    'UPPER',
    'aB',
    'a'.repeat(64),
    `a${'-'.repeat(62)}b`,
    '',
  ]) {
    expect([bad, DEPLOYMENT_ID_PATTERN.test(bad)]).toEqual([bad, false]);
  }
});

test('phase and input names are snake_case of at most 63 characters', () => {
  for (const ok of ['a', 'create_vms', 'k0s_2', 'a'.repeat(63), 'z9_'])
    expect([ok, SNAKE_NAME_PATTERN.test(ok)]).toEqual([ok, true]);
  for (const bad of ['', '9a', '_a', 'A', 'aB', 'a-b', ' a', 'a ', 'a.b', 'a'.repeat(64)])
    expect([bad, SNAKE_NAME_PATTERN.test(bad)]).toEqual([bad, false]);
});

test('labels are single printable lines', () => {
  for (const ok of ['Install k0rdent', '', ' ', '~', 'Ünïcode ✓', '\u0080'])
    expect([ok, SINGLE_LINE_PATTERN.test(ok)]).toEqual([ok, true]);
  for (const bad of ['a\n::error::forged', 'bell\u0007', '\u0000', 'x\u001f', '\u001fx', 'del\u007f', 'tab\there', 'cr\r'])
    expect([bad, SINGLE_LINE_PATTERN.test(bad)]).toEqual([bad, false]);
});
