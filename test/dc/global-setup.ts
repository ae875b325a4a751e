// vitest globalSetup of the `dc` project: makes sure a two-data-center cluster answers (dc1 and
// dc2, two nodes each) and hands its coordinates to the tests (provide('cqlwireDc') -> inject in
// ./env.ts).
//
//   CQLWIRE_DC_CONTACT_POINTS set -> those four nodes are used as they are; every one must answer
//     (60 s grace with CI=true). Kills and restarts go through launcher instance
//     CQLWIRE_DC_INSTANCE (default 'dc'), matched by address.
//   else the launcher starts instance CQLWIRE_DC_INSTANCE (default 'dc') on CQLWIRE_DC_ADDRESS
//     (default 127.0.0.11, so 127.0.0.11-14) with --dcs 2 --nodes 2 --heap 512m and durable
//     system tables, and stops it at teardown unless CQLWIRE_KEEP_CASSANDRA=1 or it was
//     already running.
// Without CI, a machine that cannot start Cassandra (no JDK) skips the suite with the reason;
// with CI=true it fails the run.
import type { TestProject } from 'vitest/node';
import { Client } from '../../src/index.js';
import { instanceInfo, start, stop } from '../cassandra/launcher.js';
import { optionsAnswers } from '../cassandra/probe.js';
import { parseContactPoints, splitHostPort } from '../cassandra/contact-points.js';
import type { DcTestEnv } from './env.js';

function say(line: string): void {
  process.stderr.write(`[dc] ${line}\n`);
}

async function answers(point: string, timeoutMs: number): Promise<boolean> {
  const { host, port } = splitHostPort(point);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await optionsAnswers({ host, port, timeoutMs: 3000 })) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Data center of each node, as the cluster itself reports it (system.local of each node). */
async function dataCentersOf(contactPoints: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of contactPoints) {
    const c = await Client.connect({ contactPoints: [p], controlConnection: false });
    try {
      out.push((await c.execute("SELECT data_center FROM system.local WHERE key = 'local'")).one()?.['data_center'] as string);
    } finally {
      await c.close();
    }
  }
  return out;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const e = process.env;
  const ci = e.CI === 'true' || e.CI === '1';
  const keep = e.CQLWIRE_KEEP_CASSANDRA === '1';
  const instance = e.CQLWIRE_DC_INSTANCE || 'dc';
  let teardown = async (): Promise<void> => {};
  let env: DcTestEnv;
  const unavailable = (reason: string): DcTestEnv => ({ available: false, reason, contactPoints: [], dataCenters: [], instance, instanceAddresses: [] });
  if (e.CQLWIRE_DC_CONTACT_POINTS) {
    const contactPoints = parseContactPoints(e.CQLWIRE_DC_CONTACT_POINTS);
    if (contactPoints.length !== 4) throw new Error(`the dc suite needs 4 nodes (2 in dc1, 2 in dc2); CQLWIRE_DC_CONTACT_POINTS=${e.CQLWIRE_DC_CONTACT_POINTS} names ${contactPoints.length}`);
    for (const p of contactPoints) {
      if (!(await answers(p, ci ? 60_000 : 10_000))) throw new Error(`CQLWIRE_DC_CONTACT_POINTS=${e.CQLWIRE_DC_CONTACT_POINTS} but ${p} does not answer CQL OPTIONS`);
    }
    env = { available: true, reason: '', contactPoints, dataCenters: [], instance, instanceAddresses: instanceInfo(instance)?.addresses ?? [] };
  } else {
    try {
      say(`starting (or reusing) launcher instance '${instance}': 2 DCs × 2 nodes`);
      const r = await start({ name: instance, address: e.CQLWIRE_DC_ADDRESS || '127.0.0.11', dcs: 2, nodes: 2, heap: '512m', system: 'durable', log: say });
      if (!r.alreadyRunning && !keep) teardown = async () => void (await stop(instance, { log: say }));
      env = { available: true, reason: '', contactPoints: r.contactPoints, dataCenters: [], instance, instanceAddresses: r.addresses };
    } catch (err) {
      if (ci) throw err;
      const reason = `cannot start a two-DC Cassandra: ${err instanceof Error ? err.message : String(err)}`;
      say(`${reason}; the dc suite is skipped (CI=true makes this a failure)`);
      env = unavailable(reason);
    }
  }
  if (env.available) {
    env.dataCenters = await dataCentersOf(env.contactPoints);
    const expected = ['dc1', 'dc1', 'dc2', 'dc2'];
    if (env.dataCenters.join() !== expected.join()) {
      throw new Error(`the dc suite needs nodes in ${expected.join(', ')} (in contact point order); ${env.contactPoints.join(',')} are in ${env.dataCenters.join(', ')}`);
    }
    say(`contact points ${env.contactPoints.join(',')} (${env.dataCenters.join(', ')}), launcher instance '${instance}'`);
  }
  project.provide('cqlwireDc', env);
  return teardown;
}
