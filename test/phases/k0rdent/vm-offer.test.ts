/** What Azure can run as configured, from SKU capabilities and the image's facts. Pure. */
import type { SkuAvailability } from '../../../src/azure/gateway.js';
import { validateConfig } from '../../../src/phases/k0rdent/config.js';
import { plannedHosts } from '../../../src/phases/k0rdent/topology.js';
import { vmOfferProblems } from '../../../src/phases/k0rdent/vm-offer.js';

const sku = (capabilities: Record<string, string>, zones = ['1', '2', '3']): SkuAvailability => ({
  zones: new Set(zones),
  capabilities: new Map(Object.entries(capabilities)),
});
const offered = new Map([
  [
    'standard_b2s',
    sku({ LowPriorityCapable: 'False', CpuArchitectureType: 'x64', HyperVGenerations: 'V1,V2' }),
  ],
  [
    'standard_d2ps_v5',
    sku({ LowPriorityCapable: 'True', CpuArchitectureType: 'Arm64', HyperVGenerations: 'V2' }),
  ],
  [
    'standard_a2_v2',
    sku({ LowPriorityCapable: 'True', CpuArchitectureType: 'x64', HyperVGenerations: 'V1' }),
  ],
  ['standard_old', sku({})],
]);
const gen2x64 = { version: '1', architecture: 'x64', hyperVGeneration: 'V2' };

type Image = typeof gen2x64 | 'not offered';

function problems(config: Record<string, unknown>, image: Image = gen2x64) {
  const loaded = validateConfig(config, 't').config;
  return vmOfferProblems(loaded, plannedHosts(loaded), offered, image === 'not offered' ? undefined : image);
}

test('every problem at once, each naming the key to change', () => {
  expect(
    problems({
      azure: { vm_priority: 'Spot' },
      vm_sizing: { worker: { size: 'Standard_D2ps_v5' } },
      cluster: { workers: { count: 2, zones: [1, 2] } },
    }),
  ).toEqual([
    'vm_sizing.controller.size: Standard_B2s does not support Azure Spot (LowPriorityCapable is False; B-series never does); choose another size, e.g. Standard_D2s_v5, or set azure.vm_priority to Regular',
    'vm_sizing.worker.size: Standard_D2ps_v5 is an Arm64 size, but azure.vm_image Debian:debian-12:12-gen2:latest is an x64 image; choose an x64 size, or an Arm64 build of the image',
  ]);
});

test('a Gen1-only size refuses a Gen2 image, and takes a Gen1 one', () => {
  const config = { vm_sizing: { controller: { size: 'Standard_A2_v2' } } };
  expect(problems(config)).toEqual([
    'vm_sizing.controller.size: Standard_A2_v2 boots Hyper-V generation V1 images only, but azure.vm_image Debian:debian-12:12-gen2:latest is a generation V2 image; choose a size that supports V2, or a V1 image of the same system',
  ]);
  expect(problems(config, { ...gen2x64, hyperVGeneration: 'V1' })).toEqual([]);
});

test('a size not offered in a zone names the zones it is offered in', () => {
  const narrow = new Map([['standard_b2s', sku({}, ['2', '3'])]]);
  const loaded = validateConfig({}, 't').config;
  expect(vmOfferProblems(loaded, plannedHosts(loaded), narrow, gen2x64)).toEqual([
    'cluster.controllers.zones: Standard_B2s is not available in zone 1 of westus2 (available: 2, 3)',
    'cluster.workers.zones: Standard_B2s is not available in zone 1 of westus2 (available: 2, 3)',
  ]);
});

test('a size without capabilities is not refused for them; a missing image or size is', () => {
  expect(
    problems({ vm_sizing: { controller: { size: 'Standard_old' }, worker: { size: 'Standard_old' } } }),
  ).toEqual([]);
  expect(problems({}, 'not offered')).toEqual([
    'azure.vm_image: Debian:debian-12:12-gen2:latest is not offered in westus2; check the URN with az vm image list',
  ]);
  expect(problems({ vm_sizing: { worker: { size: 'Standard_Nope' } } })).toEqual([
    'vm_sizing.worker.size: Standard_Nope is not offered in westus2',
  ]);
});
