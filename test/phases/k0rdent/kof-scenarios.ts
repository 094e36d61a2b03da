/**
 * What the KOF scenarios share: a lone controller with KOF on (which switches the real
 * setup_azure_children on too), a fresh harness per test, and the regional cluster Ready on its
 * second read unless a test says otherwise.
 */
import { jest } from '@jest/globals';
import { startHarness, type Harness } from './harness.js';

// A lone controller that runs workloads: one VM, one node (one CSI controller replica).
export const LONE = { controllers: 1, workers: 0 };
export const KOF = ['install_azure_csi', 'install_kof_mothership', 'install_kof_regional'];
export const KOF_CONFIG = {
  kof: {
    enabled: true,
    regional: { domain: 'regional.example.com', admin_email: 'admin@example.com', ready_timeout_minutes: 2 },
  },
};
export const REGIONAL = `kof-regional-scenario-eastus`;
export const CD_KEY = `ClusterDeployment/kcm-system/${REGIONAL}`;

export interface KofScenario {
  /** This test's harness. */
  readonly h: Harness;
  /** A run of the lone controller with KOF_CONFIG and `overrides`. */
  readonly run: (overrides?: Record<string, unknown>) => ReturnType<Harness['run']>;
  /** The helm calls with this verb (`upgrade`, `uninstall`), as argument lists. */
  readonly helmCalls: (verb: string) => string[][];
}

/** Registers a fresh harness per test; the returned object is valid inside a test. */
export function kofScenarios(): KofScenario {
  // Each test deploys the core phases first (seconds alone, longer on a busy machine).
  jest.setTimeout(180_000);
  let current: Harness | undefined;
  beforeEach(async () => {
    current = await startHarness();
    current.shims.updateWorld((w) => {
      w.regional = { readyAfterPolls: 1 };
    });
  });
  afterEach(async () => {
    await current?.stop();
    current = undefined;
  });
  const h = (): Harness => {
    if (!current) throw new Error('no harness outside a test');
    return current;
  };
  return {
    get h() {
      return h();
    },
    run: (overrides = {}) => h().run({ topology: LONE, overrides: { ...KOF_CONFIG, ...overrides } }),
    helmCalls: (verb) =>
      h()
        .shims.calls('helm')
        .filter((c) => c.args[0] === verb)
        .map((c) => [...c.args]),
  };
}
