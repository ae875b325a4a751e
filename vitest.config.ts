import { defineConfig } from 'vitest/config';

// Projects: `unit` needs no server; `integration` runs against a real Cassandra,
// started by the global setup when none answers at CQLWIRE_CONTACT_POINTS.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**', 'test/cluster/**', 'test/dc/**', 'test/bulk/integration/**', 'test/mapper/integration/**'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/bulk/integration/**/*.test.ts', 'test/mapper/integration/**/*.test.ts'],
          exclude: ['test/cluster/**'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        // Three real nodes (CQLWIRE_CONTACT_POINTS, else the launcher starts them): topology,
        // token-aware routing, failover. `npm run test:cluster`.
        test: {
          name: 'cluster',
          include: ['test/cluster/**/*.test.ts'],
          globalSetup: ['test/cluster/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        // Two data centers of two real nodes each (CQLWIRE_DC_CONTACT_POINTS, else the launcher
        // starts instance 'dc' on 127.0.0.11-14): DC-aware routing, LOCAL_* consistencies with a
        // DC down, remote hosts. `npm run test:dc`.
        test: {
          name: 'dc',
          include: ['test/dc/**/*.test.ts'],
          globalSetup: ['test/dc/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
