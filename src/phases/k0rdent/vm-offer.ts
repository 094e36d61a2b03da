/**
 * Whether Azure can run the configured VMs, asked before anything is created: each size offered in
 * the location and its zones, and its capabilities against the rest of the configuration — Spot needs a
 * size with `LowPriorityCapable` (no B-series), the image's CPU architecture must be the size's
 * `CpuArchitectureType`, and its Hyper-V generation one of the size's `HyperVGenerations`. The image's
 * architecture and generation come from Azure (`virtualMachineImages`), not from its name: SKU names
 * such as `12-gen2` or `server-arm64` are a publisher's convention that many images do not follow.
 * Two requests (the location's sizes, the image), whatever the number of hosts.
 */
import type { AzureGateway, ImageFacts, SkuAvailability } from '../../azure/gateway.js';
import { PhaseConfigurationError } from '../phase.js';
import type { K0rdentConfig } from './config.js';
import type { HostPlan } from './topology.js';

export function parseImage(urn: string): { publisher: string; offer: string; sku: string; version: string } {
  const [publisher = '', offer = '', sku = '', version = ''] = urn.split(':');
  return { publisher, offer, sku, version };
}

export async function checkVmOffer(
  azure: AzureGateway,
  config: K0rdentConfig,
  hosts: readonly HostPlan[],
): Promise<void> {
  const location = config.azure.location;
  const [offered, image] = await Promise.all([
    azure.vmSkus(location),
    azure.vmImage(location, parseImage(config.azure.vm_image)),
  ]);
  const problems = vmOfferProblems(config, hosts, offered, image);
  if (problems.length > 0) throw new PhaseConfigurationError(problems.join('; '));
}

/** Every problem, each naming the key to change and what to change it to. Pure. */
export function vmOfferProblems(
  config: K0rdentConfig,
  hosts: readonly HostPlan[],
  offered: ReadonlyMap<string, SkuAvailability>,
  image: ImageFacts | undefined,
): string[] {
  const location = config.azure.location;
  const urn = config.azure.vm_image;
  const problems = new Set<string>();
  if (!image)
    problems.add(`azure.vm_image: ${urn} is not offered in ${location}; check the URN with az vm image list`);
  // No size information at all (an endpoint without the SKU API): nothing to check sizes against.
  if (offered.size === 0) return [...problems];
  for (const host of hosts) {
    const key = host.role === 'controller' ? 'vm_sizing.controller.size' : 'vm_sizing.worker.size';
    const zonesKey = host.role === 'controller' ? 'cluster.controllers.zones' : 'cluster.workers.zones';
    const sku = offered.get(host.size.toLowerCase());
    if (!sku) {
      problems.add(`${key}: ${host.size} is not offered in ${location}`);
      continue;
    }
    if (!sku.zones.has(host.zone)) {
      problems.add(
        `${zonesKey}: ${host.size} is not available in zone ${host.zone} of ${location} (available: ${[...sku.zones].sort().join(', ') || 'none'})`,
      );
    }
    for (const problem of capabilityProblems(config, key, host.size, sku, image)) problems.add(problem);
  }
  return [...problems];
}

function capabilityProblems(
  config: K0rdentConfig,
  key: string,
  size: string,
  sku: SkuAvailability,
  image: ImageFacts | undefined,
): string[] {
  const problems: string[] = [];
  const urn = config.azure.vm_image;
  const spot = sku.capabilities.get('LowPriorityCapable');
  if (config.azure.vm_priority === 'Spot' && spot?.toLowerCase() === 'false') {
    problems.push(
      `${key}: ${size} does not support Azure Spot (LowPriorityCapable is False; B-series never does); ` +
        'choose another size, e.g. Standard_D2s_v5, or set azure.vm_priority to Regular',
    );
  }
  if (!image) return problems;
  const architecture = sku.capabilities.get('CpuArchitectureType');
  if (architecture && image.architecture && architecture.toLowerCase() !== image.architecture.toLowerCase()) {
    problems.push(
      `${key}: ${size} is an ${architecture} size, but azure.vm_image ${urn} is an ${image.architecture} image; ` +
        `choose an ${image.architecture} size, or an ${architecture} build of the image`,
    );
  }
  const generations = sku.capabilities
    .get('HyperVGenerations')
    ?.split(',')
    .map((g) => g.trim().toUpperCase());
  const generation = image.hyperVGeneration?.toUpperCase();
  if (generations && generation && !generations.includes(generation)) {
    problems.push(
      `${key}: ${size} boots Hyper-V generation ${generations.join('/')} images only, but azure.vm_image ${urn} ` +
        `is a generation ${generation} image; choose a size that supports ${generation}, or a ${generations.join('/')} image of the same system`,
    );
  }
  return problems;
}
