// vitest globalSetup of the `cluster` project: makes sure three real Cassandra nodes answer and
// hands their coordinates to the tests (provide('cqlwireCluster') -> inject in ./env.ts; also
// put in process.env as CQLWIRE_* for child processes).
//
//   CQLWIRE_CONTACT_POINTS set -> those nodes are used as they are; every one must answer
//     (60 s grace with CI=true). The failover tests kill and restart nodes through the
//     launcher instance CQLWIRE_CLUSTER_INSTANCE (default 'main'), matched by address.
//   else the launcher starts instance CQLWIRE_CLUSTER_INSTANCE (default 'main') with 3 nodes,
//     and stops it at teardown unless CQLWIRE_KEEP_CASSANDRA=1 or it was already running. If
//     that instance runs in another shape (the 1-node 'main' other suites use), it is replaced
//     only with CI=true or CQLWIRE_CLUSTER_REPLACE=1; otherwise the run stops and says how to
//     use a separate instance.
// Without CI, a machine that cannot start Cassandra (no JDK) skips the suite with the reason;
// with CI=true it fails the run.
import type { TestProject } from 'vitest/node';
import { instanceInfo, start, status, stop } from '../cassandra/launcher.js';
import { optionsAnswers } from '../cassandra/probe.js';
import { parseContactPoints, splitHostPort } from '../cassandra/contact-points.js';
import type { ClusterTestEnv } from './env.js';

function say(line: string): void {
  process.stderr.write(`[cluster] ${line}\n`);
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

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const e = process.env;
  const ci = e.CI === 'true' || e.CI === '1';
  const keep = e.CQLWIRE_KEEP_CASSANDRA === '1';
  const instance = e.CQLWIRE_CLUSTER_INSTANCE || 'main';
  let teardown = async (): Promise<void> => {};
  let env: ClusterTestEnv;
  if (e.CQLWIRE_CONTACT_POINTS) {
    const contactPoints = parseContactPoints(e.CQLWIRE_CONTACT_POINTS);
    if (contactPoints.length < 3) throw new Error(`the cluster suite needs 3 nodes; CQLWIRE_CONTACT_POINTS=${e.CQLWIRE_CONTACT_POINTS} names ${contactPoints.length}`);
    for (const p of contactPoints) {
      if (!(await answers(p, ci ? 60_000 : 10_000))) throw new Error(`CQLWIRE_CONTACT_POINTS=${e.CQLWIRE_CONTACT_POINTS} but ${p} does not answer CQL OPTIONS`);
    }
    env = { available: true, reason: '', contactPoints, instance, instanceAddresses: instanceInfo(instance)?.addresses ?? [], localDataCenter: e.CQLWIRE_LOCAL_DC ?? 'datacenter1' };
  } else {
    const running = (await status(instance).catch(() => []))[0];
    if (running && running.nodes !== 3 && running.nodeStatus.some((n) => n.running) && !ci && e.CQLWIRE_CLUSTER_REPLACE !== '1') {
      throw new Error(
        `launcher instance '${instance}' runs ${running.nodes} node(s) (other suites may be using it). Start a separate 3-node instance and point the suite at it:\n` +
          `  npm run cassandra -- start --name trio --address 127.0.0.5 --nodes 3 --heap 512m\n` +
          `  CQLWIRE_CONTACT_POINTS=127.0.0.5:9042,127.0.0.6:9042,127.0.0.7:9042 CQLWIRE_CLUSTER_INSTANCE=trio npm run test:cluster\n` +
          `or set CQLWIRE_CLUSTER_REPLACE=1 to replace it with 3 nodes.`,
      );
    }
    try {
      say(`starting (or reusing) launcher instance '${instance}' with 3 nodes`);
      const r = await start({ name: instance, nodes: 3, log: say });
      if (!r.alreadyRunning && !keep) teardown = async () => void (await stop(instance, { log: say }));
      env = { available: true, reason: '', contactPoints: r.contactPoints, instance, instanceAddresses: r.addresses, localDataCenter: 'datacenter1' };
    } catch (err) {
      if (ci) throw err;
      const reason = `cannot start a 3-node Cassandra: ${err instanceof Error ? err.message : String(err)}`;
      say(`${reason}; the cluster suite is skipped (CI=true makes this a failure)`);
      env = { available: false, reason, contactPoints: [], instance, instanceAddresses: [], localDataCenter: 'datacenter1' };
    }
  }
  project.provide('cqlwireCluster', env);
  if (env.available) {
    e.CQLWIRE_CONTACT_POINTS = env.contactPoints.join(',');
    e.CQLWIRE_CLUSTER_INSTANCE = instance;
    say(`contact points ${env.contactPoints.join(',')}, launcher instance '${instance}'`);
  }
  return teardown;
}
