import { BlobLayout, deploymentsIn, parseBlobLocation } from '../../src/stores/blob-location.js';

test('host-style and path-style URLs, with and without a prefix', () => {
  expect(parseBlobLocation('https://acme.blob.core.windows.net/k0rdent/', 'x')).toEqual({
    url: 'https://acme.blob.core.windows.net/k0rdent',
    accountUrl: 'https://acme.blob.core.windows.net',
    account: 'acme',
    container: 'k0rdent',
    prefix: '',
  });
  expect(parseBlobLocation('https://acme.blob.core.usgovcloudapi.net/k0rdent/teams/a', 'x')).toMatchObject({
    account: 'acme',
    prefix: 'teams/a',
  });
  expect(parseBlobLocation('http://localhost:10000/devstoreaccount1/state', 'x')).toMatchObject({
    accountUrl: 'http://localhost:10000/devstoreaccount1',
    container: 'state',
  });
});

test('the layout of a deployment, and the deployments found in a listing', () => {
  const location = parseBlobLocation('https://acme.blob.core.windows.net/k0rdent/prod', 'x');
  const layout = new BlobLayout(location, 'k0rdent-ab12cd34');
  expect(layout.state).toBe('prod/k0rdent-ab12cd34/k0rdent-state.yaml');
  expect(layout.describe()).toBe(
    'https://acme.blob.core.windows.net/k0rdent/prod/k0rdent-ab12cd34/k0rdent-state.yaml',
  );
  expect(layout.file('kubeconfig', 'ab'.repeat(32), '0a1b2c3d')).toBe(
    'prod/k0rdent-ab12cd34/files/kubeconfig.abababababababab.0a1b2c3d',
  );
  expect(
    deploymentsIn(location, [
      'prod/one/k0rdent-state.yaml',
      'prod/one/files/kubeconfig.x.y',
      'prod/two/k0rdent-state.yaml',
      'prod/Bad_Id/k0rdent-state.yaml',
      'other/three/k0rdent-state.yaml',
      'prod/four/archive/x-y.yaml',
    ]),
  ).toEqual(['one', 'two']);
});

test.each([
  ['not a url', /it is not a URL/],
  ['ftp://acme.blob.core.windows.net/k0rdent', /it must use https/],
  ['https://user:pw@acme.blob.core.windows.net/k0rdent', /user name or password/],
  ['https://acme.blob.core.windows.net/k0rdent//x', /an empty segment/],
  ['https://acme.blob.core.windows.net/k0rdent/a%20b', /prefix segment "a%20b"/],
  ['https://ACME_1.blob.core.windows.net/k0rdent', /is not a storage account name/],
])('%s is refused with what to write', (url, message) => {
  expect(() => parseBlobLocation(url, '--state-url')).toThrow(message);
  expect(() => parseBlobLocation(url, '--state-url')).toThrow(
    /Write https:\/\/ACCOUNT\.blob\.core\.windows\.net\/CONTAINER\[\/PREFIX\]/,
  );
});
