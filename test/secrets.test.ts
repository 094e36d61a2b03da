import { onSecretRegistered, redact, registerSecret, resetSecretsForTests } from '../src/secrets.js';

afterEach(() => resetSecretsForTests());

test('a registered secret is masked whole, line by line and in base64', () => {
  const key =
    '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU\nAAAAAAAAAAEAAAAzAAAAC3NzaC1lZDI1\n-----END OPENSSH PRIVATE KEY-----';
  registerSecret(key);
  expect(redact(`key: ${key}`)).toBe('key: ***');
  expect(redact('line 2 is b3BlbnNzaC1rZXktdjEAAAAABG5vbmU here')).toBe('line 2 is *** here');
  expect(redact(`encoded ${Buffer.from(key).toString('base64')}`)).toBe('encoded ***');
  expect(redact('nothing secret')).toBe('nothing secret');
});

test('the hook sees secrets registered before and after it is installed', () => {
  registerSecret('wg-private-key-one=');
  const seen: string[] = [];
  onSecretRegistered((value) => seen.push(value));
  registerSecret('wg-private-key-two=');
  expect(seen).toContain('wg-private-key-one=');
  expect(seen).toContain('wg-private-key-two=');
});

test('very short values are not registered as secrets (they would mask ordinary text)', () => {
  registerSecret('ab\nc');
  expect(redact('ab c')).toBe('ab c');
});
