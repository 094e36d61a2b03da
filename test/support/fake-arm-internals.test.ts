/** The fake's pure parts: path parsing, address allocation, request-log arithmetic, operation counting. */
import {
  cidrContains,
  firstFreeAddress,
  firstFreePublicAddress,
  formatIpv4,
  parseCidr,
  parseIpv4,
} from './fake-arm/ipv4.js';
import { OperationTracker } from './fake-arm/lro.js';
import { peakConcurrency, sequentialRoundTrips, type RequestRecord } from './fake-arm/request-log.js';
import { parseArmPath } from './fake-arm/resource-id.js';
import { isChildType } from './fake-arm/registry.js';

const SUB = '/subscriptions/s1';

describe('parseArmPath', () => {
  test.each([
    [`${SUB}/resourcegroups`, { kind: 'resourceGroups' }],
    [`${SUB}/resourceGroups/rg`, { kind: 'resourceGroup', resourceGroup: 'rg' }],
    [
      `${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines`,
      { kind: 'collection', resourceGroup: 'rg', type: 'Microsoft.Compute/virtualMachines' },
    ],
    [`${SUB}/providers/Microsoft.Compute/disks`, { kind: 'collection', type: 'Microsoft.Compute/disks' }],
    [
      `${SUB}/RESOURCEGROUPS/rg/PROVIDERS/Microsoft.Network/virtualNetworks/v/subnets/s`,
      { kind: 'resource', type: 'Microsoft.Network/virtualNetworks/subnets', names: ['v', 's'] },
    ],
    [
      `${SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets`,
      { kind: 'collection', type: 'Microsoft.Network/virtualNetworks/subnets' },
    ],
    [
      `${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm/instanceView`,
      { kind: 'action', action: 'instanceView', names: ['vm'] },
    ],
    [
      `${SUB}/providers/Microsoft.FakeArm/operations/op1`,
      { kind: 'operation', operationId: 'op1', style: 'status' },
    ],
    [`${SUB}/providers/microsoft.fakearm/operationResults/op1`, { kind: 'operation', style: 'result' }],
    ['/tenants', { kind: 'unknown' }],
    [`${SUB}/resourceGroups/rg/somethingElse`, { kind: 'unknown' }],
  ])('%s', (path, expected) => {
    expect(parseArmPath(path, isChildType)).toMatchObject(expected);
  });

  test('decodes escaped segments', () => {
    expect(parseArmPath(`${SUB}/resourceGroups/my%20rg`, isChildType)).toMatchObject({
      resourceGroup: 'my rg',
    });
  });
});

describe('ipv4', () => {
  test('parses and formats addresses and blocks', () => {
    expect(formatIpv4(parseIpv4('10.0.1.4') ?? -1)).toBe('10.0.1.4');
    expect(parseIpv4('10.0.1.256')).toBeUndefined();
    expect(parseCidr('10.0.1.77/24')).toEqual({ network: parseIpv4('10.0.1.0'), size: 256 });
    expect(cidrContains(parseCidr('10.0.0.0/16'), parseCidr('10.0.1.0/24'))).toBe(true);
    expect(cidrContains(parseCidr('10.0.0.0/16'), parseCidr('10.1.0.0/24'))).toBe(false);
    expect(() => parseCidr('10.0.0.0/33')).toThrow('not a valid IPv4 CIDR');
  });

  test('allocates like Azure: .4 first, never the broadcast address, undefined when full', () => {
    const subnet = parseCidr('10.0.1.0/29');
    expect(firstFreeAddress(subnet, new Set())).toBe('10.0.1.4');
    expect(firstFreeAddress(subnet, new Set(['10.0.1.4', '10.0.1.5']))).toBe('10.0.1.6');
    expect(firstFreeAddress(subnet, new Set(['10.0.1.4', '10.0.1.5', '10.0.1.6']))).toBeUndefined();
    expect(firstFreePublicAddress(new Set(['203.0.113.4']))).toBe('203.0.113.5');
  });
});

describe('request log arithmetic', () => {
  const record = (startedAt: number, endedAt: number): RequestRecord => ({
    seq: 0,
    method: 'GET',
    path: '/',
    apiVersion: undefined,
    status: 200,
    startedAt,
    endedAt,
    injected: false,
    poll: false,
  });

  test('back-to-back requests are sequential, overlapping ones concurrent', () => {
    const log = [record(0, 10), record(10, 20), record(12, 18), record(20, 30)];
    expect(peakConcurrency(log)).toBe(2);
    expect(sequentialRoundTrips(log)).toBe(3);
    expect(peakConcurrency([])).toBe(0);
    expect(sequentialRoundTrips([])).toBe(0);
  });
});

describe('OperationTracker', () => {
  test('answers InProgress for the configured polls, then finishes exactly once', () => {
    const finished: string[] = [];
    const tracker = new OperationTracker(2);
    const operation = tracker.start(() => finished.push('done'));
    expect([tracker.poll(operation.id)?.status, tracker.poll(operation.id)?.status]).toEqual([
      'InProgress',
      'InProgress',
    ]);
    expect(tracker.poll(operation.id)?.status).toBe('Succeeded');
    expect(tracker.poll(operation.id)?.status).toBe('Succeeded');
    expect(finished).toEqual(['done']);
    expect(tracker.poll('unknown')).toBeUndefined();
  });

  test('a failing operation ends Failed with its error; settleAll finishes the rest', () => {
    const tracker = new OperationTracker(5);
    const failing = tracker.start(() => undefined, { code: 'Boom', message: 'it broke' });
    tracker.start(() => undefined);
    expect(tracker.pending()).toBe(2);
    expect(tracker.settleAll()).toBe(2);
    expect(failing.status).toBe('Failed');
    expect(tracker.pending()).toBe(0);
  });
});
