import { referencedIds } from './json.js';
import { idKey } from './resource-id.js';
import type { ResourceStore, StoredResource } from './store.js';

/**
 * Live resources outside `ids` (and their subtrees) that refer to any of them. ARM refuses to delete a
 * resource that is still referenced (a NIC attached to a VM, a subnet with NICs in it); the fake finds
 * such references generically, by the `id` fields a body carries.
 */
export function referrers(store: ResourceStore, ids: readonly string[]): StoredResource[] {
  const doomed = new Set(ids.flatMap((id) => store.tree(id)).map((resource) => idKey(resource.id)));
  const doomedPrefixes = [...doomed].map((key) => `${key}/`);
  const isDoomed = (key: string): boolean =>
    doomed.has(key) || doomedPrefixes.some((prefix) => key.startsWith(prefix));
  return store.all().filter((resource) => {
    const ownKey = idKey(resource.id);
    if (isDoomed(ownKey)) return false;
    // A resource's own sub-objects (a NIC's ipConfigurations) carry ids under its own id: not references.
    return referencedIds(resource.body)
      .map(idKey)
      .some((key) => key !== ownKey && !key.startsWith(`${ownKey}/`) && doomed.has(key));
  });
}
