import {
  derivedDeploymentId,
  generatedDeploymentId,
  settleDeploymentId,
  type IdentityClaims,
} from '../../src/engine/deployment-identity.js';
import { UserError } from '../../src/errors.js';

const explicit = { id: 'prod', where: 'input deployment-id' };
const pinned = { id: 'prod', where: 'k0rdent.yaml (metadata.deployment_id)' };
const stored = { id: 'prod', where: 'local state directory ./state', advice: 'Use another --state-dir.' };
const fallback = () => ({ source: 'generated' as const, id: 'k0rdent-made0001', how: 'made now' });

function settled(claims: IdentityClaims) {
  return settleDeploymentId(claims, fallback);
}

test('precedence: the explicit id, then the pin, then the stored id, then the fallback', () => {
  expect(settled({ explicit, pinned, stored })).toMatchObject({ id: 'prod', source: 'explicit' });
  expect(settled({ pinned, stored })).toMatchObject({ id: 'prod', source: 'pinned' });
  expect(settled({ stored })).toMatchObject({ id: 'prod', source: 'stored' });
  expect(settled({})).toEqual({ id: 'k0rdent-made0001', source: 'generated', how: 'made now' });
  expect(settleDeploymentId({})).toBeUndefined();
});

test('the fallback is only asked for when nothing names the deployment', () => {
  let asked = 0;
  const counting = () => {
    asked++;
    return fallback();
  };
  settleDeploymentId({ stored }, counting);
  settleDeploymentId({ explicit }, counting);
  expect(asked).toBe(0);
  settleDeploymentId({}, counting);
  expect(asked).toBe(1);
});

test('an explicit id and a pin that differ are refused, naming both', () => {
  const call = () => settled({ explicit: { ...explicit, id: 'staging' }, pinned });
  expect(call).toThrow(UserError);
  expect(call).toThrow(
    'input deployment-id is "staging", but k0rdent.yaml (metadata.deployment_id) pins "prod": make them match, or leave one of them out',
  );
});

test('a store holding another deployment is refused, naming the store, both ids and what to do', () => {
  for (const named of [{ explicit: { ...explicit, id: 'other' } }, { pinned: { ...pinned, id: 'other' } }]) {
    expect(() => settled({ ...named, stored })).toThrow(
      /^local state directory \.\/state holds deployment "prod", not "other" \(from .+\)\. Use another --state-dir\.$/,
    );
  }
});

test('derived ids are stable for the same repository and file, and differ otherwise', () => {
  const id = derivedDeploymentId('k0rdent', 'acme/infra', 'config/k0rdent.yaml');
  expect(id).toMatch(/^k0rdent-[a-z0-9]{8}$/);
  expect(derivedDeploymentId('k0rdent', 'acme/infra', 'config/k0rdent.yaml')).toBe(id);
  expect(derivedDeploymentId('k0rdent', 'acme/infra', 'config/prod.yaml')).not.toBe(id);
  expect(derivedDeploymentId('k0rdent', 'acme/other', 'config/k0rdent.yaml')).not.toBe(id);
  // The separator keeps "a/b" + "c" apart from "a" + "b/c".
  expect(derivedDeploymentId('k0rdent', 'a/b', 'c')).not.toBe(derivedDeploymentId('k0rdent', 'a', 'b/c'));
});

test('generated ids take every character from the random source', () => {
  let n = 0;
  expect(generatedDeploymentId('k0rdent', (max) => n++ % max)).toBe('k0rdent-abcdefgh');
});
