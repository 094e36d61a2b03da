/**
 * What ARM checks when a VM is placed, beyond the request's shape: the size against its SKU's
 * capabilities (Spot needs `LowPriorityCapable`, the image's architecture must be the size's
 * `CpuArchitectureType`, its Hyper-V generation one of the size's `HyperVGenerations`), the platform image
 * exists, and the admin user is not one of the names Azure reserves. Messages are the fake's own; the
 * codes are those ARM answers as far as they are documented.
 */
import { ArmError, badRequest } from './errors.js';
import { resolveImage, type VmImageOffer } from './images.js';
import { objectAt, stringAt, type JsonObject } from './json.js';
import { checkSkuAvailable, findSku, type VmSkuOffer } from './skus.js';

/**
 * `osProfile.adminUsername` values the Compute API refuses (its reference lists them under "Disallowed
 * values"), checked case-insensitively.
 */
export const RESERVED_ADMIN_USERNAMES: readonly string[] = (
  'administrator admin user user1 test user2 test1 user3 admin1 1 123 a actuser adm admin2 aspnet ' +
  'backup console david guest john owner root server sql support support_388945a0 sys test2 test3 user4 user5'
).split(' ');

export interface PlacementCatalogues {
  readonly skus: readonly VmSkuOffer[];
  readonly images: readonly VmImageOffer[];
}

export function checkPlacement(body: JsonObject, catalogues: PlacementCatalogues, creating: boolean): void {
  const properties = objectAt(body, 'properties');
  const size = stringAt(objectAt(properties, 'hardwareProfile'), 'vmSize');
  if (size === undefined) throw badRequest('InvalidParameter', 'hardwareProfile.vmSize is required.');
  const location = stringAt(body, 'location') ?? '';
  const zones = Array.isArray(body.zones) ? body.zones.filter((z): z is string => typeof z === 'string') : [];
  checkSkuAvailable(catalogues.skus, size, location, zones);
  if (creating) checkAdminUser(objectAt(properties, 'osProfile'));

  const sku = findSku(catalogues.skus, size, location);
  const capability = (name: string) => sku?.capabilities?.[name];
  const priority = (stringAt(properties, 'priority') ?? 'Regular').toLowerCase();
  if (
    (priority === 'spot' || priority === 'low') &&
    capability('LowPriorityCapable')?.toLowerCase() === 'false'
  ) {
    throw new ArmError(
      409,
      'OperationNotAllowed',
      `The VM size '${size}' does not support Azure Spot. Choose a size whose LowPriorityCapable capability is True.`,
    );
  }

  const reference = objectAt(objectAt(properties, 'storageProfile'), 'imageReference');
  const publisher = stringAt(reference, 'publisher');
  const offer = stringAt(reference, 'offer');
  const imageSku = stringAt(reference, 'sku');
  if (publisher === undefined || offer === undefined || imageSku === undefined) return;
  const version = stringAt(reference, 'version') ?? 'latest';
  const image = resolveImage(catalogues.images, { publisher, offer, sku: imageSku, version });
  if (image === undefined) {
    throw badRequest(
      'PlatformImageNotFound',
      `The platform image '${publisher}:${offer}:${imageSku}:${version}' is not available. Verify that all fields in the storage profile are correct.`,
    );
  }
  // A size the catalogue lists without a capability is not checked for it.
  const architecture = capability('CpuArchitectureType');
  if (architecture !== undefined && architecture.toLowerCase() !== image.architecture.toLowerCase()) {
    throw badRequest(
      'InvalidParameter',
      `The VM size '${size}' has CPU architecture ${architecture}, but the image ${publisher}:${offer}:${imageSku} is built for ${image.architecture}.`,
    );
  }
  const generations = capability('HyperVGenerations')
    ?.split(',')
    .map((g) => g.trim().toUpperCase());
  if (generations !== undefined && !generations.includes(image.hyperVGeneration)) {
    throw badRequest(
      'BadRequest',
      `The selected VM size '${size}' cannot boot Hypervisor Generation '${image.hyperVGeneration.slice(1)}'. Check that the Hypervisor Generation of the image matches one the VM size supports (${generations.join(', ')}).`,
    );
  }
}

function checkAdminUser(osProfile: JsonObject | undefined): void {
  const user = stringAt(osProfile, 'adminUsername');
  if (user !== undefined && RESERVED_ADMIN_USERNAMES.includes(user.toLowerCase())) {
    throw badRequest('InvalidParameter', 'The Admin Username specified is not allowed.');
  }
}
