import { DEPLOYMENT_ID_PATTERN, isContainedPath, SINGLE_LINE_PATTERN } from '../../src/state/names.js';

test('artifact paths cannot leave the working directory', () => {
  for (const ok of ['state/kubeconfig', 'scratch/local-demo/keys/hub.key', 'a..b/c', '.hidden/file']) expect(isContainedPath(ok)).toBe(true);
  for (const bad of ['', '/etc/passwd', '../outside', 'state/../../outside', 'a/..', '\\\\server\\share', 'C:\\temp', 'a\\..\\b', 'a\nb']) {
    expect(isContainedPath(bad)).toBe(false);
  }
});

test('deployment ids cannot carry shell metacharacters, separators, dots or workflow commands', () => {
  for (const ok of ['local-demo', 'k0rdent-ab12cd34', 'a']) expect(DEPLOYMENT_ID_PATTERN.test(ok)).toBe(true);
  for (const bad of ['demo; rm -rf /', '../x', 'a/b', 'x..y', '::warning::x', 'a\nb', '-leading', 'UPPER', 'a'.repeat(64)]) {
    expect(DEPLOYMENT_ID_PATTERN.test(bad)).toBe(false);
  }
});

test('labels are single printable lines', () => {
  expect(SINGLE_LINE_PATTERN.test('Install k0rdent')).toBe(true);
  expect(SINGLE_LINE_PATTERN.test('a\n::error::forged')).toBe(false);
  expect(SINGLE_LINE_PATTERN.test('bell\u0007')).toBe(false);
});
