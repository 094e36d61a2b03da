import {
  maskCommand,
  onSecretRegistered,
  parseMaskCommand,
  redact,
  registerSecret,
  resetSecretsForTests,
} from '../src/secrets.js';

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

test('structural lines of a kubeconfig are not masked on their own, its key material is', () => {
  const data =
    'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJkekNDQVIyZ0F3SUJBZ0lCQURBS0JnZ3Foa2pPUFFRREFqQWpNU0V3';
  const kubeconfig = `apiVersion: v1\nkind: Config\ncontexts:\n- name: admin\nusers:\n- name: admin\n  user:\n    client-key-data: ${data}\n`;
  registerSecret(kubeconfig);
  expect(redact('applied apiVersion: v1 kind: Config with contexts:')).toBe(
    'applied apiVersion: v1 kind: Config with contexts:',
  );
  expect(redact(`client-key-data: ${data}`)).toBe('client-key-data: ***');
  expect(redact(`leaked ${data}`)).not.toContain(data.slice(0, 40));
  expect(redact('-----BEGIN OPENSSH PRIVATE KEY-----')).toBe('-----BEGIN OPENSSH PRIVATE KEY-----');
});

test("a kubeconfig's names stay readable: the deployment id names its cluster, context and user", () => {
  const data = 'bXktdmVyeS1zZWNyZXQtY2xpZW50LWtleS1tYXRlcmlhbC0wMTIzNDU2Nzg5';
  registerSecret(
    `clusters:\n- name: k0rdent-1a2b3c4d\ncontexts:\n- context:\n    cluster: k0rdent-1a2b3c4d\n    user: k0rdent-admin-user\n  name: k0rdent-1a2b3c4d\ncurrent-context: k0rdent-1a2b3c4d\nusers:\n- name: k0rdent-admin-user\n  user:\n    token: ${data}\n`,
  );
  expect(redact('deployment k0rdent-1a2b3c4d: k0rdent-admin-user')).toBe(
    'deployment k0rdent-1a2b3c4d: k0rdent-admin-user',
  );
  expect(redact(`leaked ${data}`)).toBe('leaked ***');
});

test('addresses beside key material in a WireGuard config stay readable', () => {
  const privateKey = 'aGVsbG8td29ybGQtcHJpdmF0ZS1rZXktbWF0ZXJpYWwxMjM=';
  registerSecret(`[Interface]\nPrivateKey = ${privateKey}\n[Peer]\nAllowedIPs = 192.168.100.2/32\n`);
  expect(redact(`key ${privateKey}`)).toBe('key ***');
  expect(redact('peer 192.168.100.2/32 is up')).toBe('peer 192.168.100.2/32 is up');
});

test("the runner is told a file's key material, never its ordinary lines (it masks each line it is given)", () => {
  const told: string[] = [];
  onSecretRegistered((value) => told.push(value));
  const wgKey = 'aGVsbG8td29ybGQtcHJpdmF0ZS1rZXktbWF0ZXJpYWwxMjM=';
  // A token without a digit is still a secret: its key says so.
  const token = 'Zm9vYmFyQmF6cXV4QWJjZGVmZ2hpams';
  const cloudInit = [
    '#cloud-config',
    'package_update: true',
    'packages: [wireguard-tools]',
    'write_files:',
    '  - path: /etc/wireguard/wg0.conf',
    '    owner: root:root',
    "    permissions: '0600'",
    '    content: |',
    '      [Interface]',
    `      PrivateKey = ${wgKey}`,
    '      ListenPort = 51820',
    'hostname: k0s-controller-2',
    'cluster: k0rdent-ab12cd34',
    'cloud: AzurePublicCloud',
  ].join('\n');
  const kubeconfig = `apiVersion: v1\nusers: [{name: admin, user: {token: ${token}}}]\n`;
  registerSecret(cloudInit);
  registerSecret(kubeconfig);
  const base64 = (text: string) => Buffer.from(text).toString('base64');
  expect(told.sort()).toEqual([base64(cloudInit), wgKey, base64(kubeconfig), token].sort());
  // This process still masks a file printed whole.
  expect(redact(`dump:\n${cloudInit}`)).toBe('dump:\n***');
});

test('a mask command survives the trip through one line, whatever the secret holds', () => {
  const secret = 'line one %0A\nline two\r\n100%';
  const line = maskCommand(secret);
  expect(line.split('\n')).toHaveLength(1);
  expect(parseMaskCommand(line)).toBe(secret);
  expect(parseMaskCommand('::warning::not a mask')).toBeUndefined();
});
