/**
 * The platform image catalogue: `virtualMachineImages.list` (the versions of a publisher:offer:sku, a
 * plain JSON array, `$top`/`$orderby=name desc` honoured) and `virtualMachineImages.get` (one version
 * with its `hyperVGeneration` and `architecture`). An image's generation and architecture belong to its
 * SKU: every version of `Debian:debian-12:12-gen2` is a Generation 2 x64 image.
 */
import { ArmError } from './errors.js';
import type { JsonObject } from './json.js';

export interface VmImageOffer {
  readonly publisher: string;
  readonly offer: string;
  readonly sku: string;
  /** Oldest first. */
  readonly versions: readonly string[];
  readonly hyperVGeneration: 'V1' | 'V2';
  readonly architecture: 'x64' | 'Arm64';
}

export const DEFAULT_VM_IMAGES: readonly VmImageOffer[] = [
  { publisher: 'Debian', offer: 'debian-12', sku: '12-gen2', hyperVGeneration: 'V2', architecture: 'x64' },
  { publisher: 'Debian', offer: 'debian-12', sku: '12', hyperVGeneration: 'V1', architecture: 'x64' },
  { publisher: 'Debian', offer: 'debian-12', sku: '12-arm64', hyperVGeneration: 'V2', architecture: 'Arm64' },
  {
    publisher: 'Canonical',
    offer: 'ubuntu-24_04-lts',
    sku: 'server',
    hyperVGeneration: 'V2',
    architecture: 'x64',
  },
  {
    publisher: 'Canonical',
    offer: 'ubuntu-24_04-lts',
    sku: 'server-arm64',
    hyperVGeneration: 'V2',
    architecture: 'Arm64',
  },
].map((image) => ({ ...image, versions: ['0.20250101.1', '0.20250601.2'] }) as VmImageOffer);

export interface ImageReference {
  readonly publisher: string;
  readonly offer: string;
  readonly sku: string;
  readonly version: string;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export function findImage(images: readonly VmImageOffer[], ref: Omit<ImageReference, 'version'>) {
  return images.find(
    (image) =>
      same(image.publisher, ref.publisher) && same(image.offer, ref.offer) && same(image.sku, ref.sku),
  );
}

/** The image a VM PUT names, with `latest` resolved; undefined when the catalogue has no such version. */
export function resolveImage(
  images: readonly VmImageOffer[],
  ref: ImageReference,
): (VmImageOffer & { readonly version: string }) | undefined {
  const image = findImage(images, ref);
  if (image === undefined) return undefined;
  const version = same(ref.version, 'latest')
    ? image.versions.at(-1)
    : image.versions.find((v) => v === ref.version);
  return version === undefined ? undefined : { ...image, version };
}

function imageId(subscription: string, location: string, image: VmImageOffer, version: string): string {
  return `/Subscriptions/${subscription}/Providers/Microsoft.Compute/Locations/${location}/Publishers/${image.publisher}/ArtifactTypes/VMImage/Offers/${image.offer}/Skus/${image.sku}/Versions/${version}`;
}

function notFound(): ArmError {
  return new ArmError(404, 'NotFound', 'Artifact: VMImage was not found.');
}

/** `GET .../skus/{sku}/versions` */
export function listImageVersions(
  images: readonly VmImageOffer[],
  subscription: string,
  location: string,
  ref: Omit<ImageReference, 'version'>,
  query: URLSearchParams,
): JsonObject[] {
  const image = findImage(images, ref);
  if (image === undefined) throw notFound();
  let versions = [...image.versions];
  const orderBy = query.get('$orderby');
  if (orderBy !== null) {
    if (!/^\s*name(\s+(asc|desc))?\s*$/i.test(orderBy))
      throw new ArmError(400, 'InvalidParameter', `Unsupported $orderby '${orderBy}'.`);
    versions.sort(compareVersions);
    if (/desc/i.test(orderBy)) versions.reverse();
  }
  const top = query.get('$top');
  if (top !== null) versions = versions.slice(0, Number(top));
  return versions.map((version) => ({
    name: version,
    location,
    id: imageId(subscription, location, image, version),
  }));
}

/** `GET .../skus/{sku}/versions/{version}` (a concrete version; `latest` is not a version here). */
export function getImageVersion(
  images: readonly VmImageOffer[],
  subscription: string,
  location: string,
  ref: ImageReference,
): JsonObject {
  const image = findImage(images, ref);
  if (image === undefined || !image.versions.includes(ref.version)) throw notFound();
  return {
    name: ref.version,
    location,
    id: imageId(subscription, location, image, ref.version),
    properties: {
      hyperVGeneration: image.hyperVGeneration,
      architecture: image.architecture,
      osDiskImage: { operatingSystem: 'Linux', sizeInGb: 30 },
      dataDiskImages: [],
    },
  };
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
