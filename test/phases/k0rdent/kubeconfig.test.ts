/** The admin kubeconfig of a controller, made usable from the hub; its errors never quote it. */
import { load } from 'js-yaml';
import { kubeconfigForHub, KubeconfigError } from '../../../src/phases/k0rdent/kubeconfig.js';

const KEY = 'c2VjcmV0LWNsaWVudC1rZXktbWF0ZXJpYWwtMDEyMzQ1Njc4OWFiY2RlZg==';
const ADMIN = `apiVersion: v1
clusters:
- cluster:
    server: https://localhost:6443
    certificate-authority-data: Q0EtREFUQQ==
  name: local
contexts:
- context:
    cluster: local
    namespace: default
    user: user
  name: Default
current-context: Default
kind: Config
preferences: {}
users:
- name: user
  user:
    client-key-data: ${KEY}
`;
const TARGET = { name: 'k0rdent-1a2b3c4d', server: 'https://192.168.100.11:6443' };

test("server, cluster, context and user are the hub's; credentials and everything else are kept", () => {
  const out = load(kubeconfigForHub(ADMIN, TARGET));
  expect(out).toEqual({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [
      {
        name: 'k0rdent-1a2b3c4d',
        cluster: { server: 'https://192.168.100.11:6443', 'certificate-authority-data': 'Q0EtREFUQQ==' },
      },
    ],
    contexts: [
      {
        name: 'k0rdent-1a2b3c4d',
        context: { cluster: 'k0rdent-1a2b3c4d', namespace: 'default', user: 'admin' },
      },
    ],
    'current-context': 'k0rdent-1a2b3c4d',
    users: [{ name: 'admin', user: { 'client-key-data': KEY } }],
  });
});

test.each([
  ['not YAML', `${ADMIN}\n  : [unclosed ${KEY}`, /not valid YAML/],
  ['not a kubeconfig', `kind: Secret\ndata: ${KEY}\n`, /not a kubeconfig/],
  [
    'two clusters',
    ADMIN.replace('clusters:\n', 'clusters:\n- name: other\n  cluster: {server: https://x}\n'),
    /exactly one entry in clusters/,
  ],
  ['no server', ADMIN.replace('    server: https://localhost:6443\n', ''), /names no API server/],
])('%s: refused without quoting the file', (_, raw, message) => {
  let error: unknown;
  try {
    kubeconfigForHub(raw, TARGET);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(KubeconfigError);
  expect((error as Error).message).toMatch(message);
  expect((error as Error).message).not.toContain(KEY.slice(0, 12));
});
