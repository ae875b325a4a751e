// `npm run soak -- --minutes N`: a bounded soak against three real nodes. Mixed reads and
// writes (RF 3, QUORUM, idempotent) at a fixed concurrency while one node at a time is killed
// (SIGKILL) and restarted; afterwards every write the driver acknowledged is read back at ALL.
// The last line reads `ok N, failed N, retried N, lost N` (lost = acknowledged writes not found).
//
// After each restart, and before verifying, the soak waits until the nodes agree on the schema
// (client.waitForSchemaAgreement()). A verification read that fails for a transient, typed
// reason (timeout, unavailable, read failure, no host, closed connection) is tried again, up to
// 5 times; those retries are reported, and a key still unread after them counts as unverified
// (the run fails).
//
// Cluster: CQLWIRE_CONTACT_POINTS (+ CQLWIRE_CLUSTER_INSTANCE, the launcher instance to kill and
// restart nodes of; default 'main'), or else the launcher's 3-node instance CQLWIRE_CLUSTER_INSTANCE
// (default 'main', on CQLWIRE_CLUSTER_ADDRESS, default 127.0.0.1), started here. Its system tables
// must be durable (the launcher's default for several nodes): with `--system fast` a SIGKILLed
// node forgets recent schema, which a real node does not.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client, CqlwireError } from '../../src/index.js';
import { parseContactPoints } from '../cassandra/contact-points.js';
import { instanceInfo, killNode, restartNode, start } from '../cassandra/launcher.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '64' },
    'kill-every-seconds': { type: 'string', default: '30' },
    'down-seconds': { type: 'string', default: '10' },
    keys: { type: 'string', default: '20000' },
  },
});
const MINUTES = Number(args.minutes);
const CONCURRENCY = Number(args.concurrency);
const KILL_EVERY_MS = Number(args['kill-every-seconds']) * 1000;
const DOWN_MS = Number(args['down-seconds']) * 1000;
const KEYS = Number(args.keys);
const KEYSPACE = 'cqlwire_soak';
/** Attempts of a verification read that fails for a transient reason. */
const VERIFY_ATTEMPTS = 5;
/** Typed failures a read may hit while the cluster settles after a restart. */
const TRANSIENT = new Set(['ERR_SERVER_READ_TIMEOUT', 'ERR_SERVER_READ_FAILURE', 'ERR_SERVER_UNAVAILABLE', 'ERR_SERVER_OVERLOADED', 'ERR_NO_HOST_AVAILABLE', 'ERR_REQUEST_TIMEOUT', 'ERR_CONNECTION_CLOSED']);

const log = (line: string): void => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function cluster(): Promise<{ contactPoints: string[]; instance: string; nodes: number }> {
  const instance = process.env.CQLWIRE_CLUSTER_INSTANCE ?? 'main';
  if (process.env.CQLWIRE_CONTACT_POINTS) {
    const contactPoints = parseContactPoints(process.env.CQLWIRE_CONTACT_POINTS);
    return { contactPoints, instance, nodes: contactPoints.length };
  }
  // Started, or kept as it is when it runs (start() is a no-op then): an existing instance of 3
  // or more nodes in one DC keeps its shape; anything else becomes 3 nodes.
  const existing = instanceInfo(instance);
  const keep = existing !== undefined && existing.nodes >= 3 && existing.dcs === 1;
  const address = keep ? existing.address : (process.env.CQLWIRE_CLUSTER_ADDRESS ?? '127.0.0.1');
  const nodes = keep ? existing.nodes : 3;
  log(`starting (or reusing) a ${nodes}-node cluster (npm run cassandra -- start --name ${instance} --address ${address} --nodes ${nodes})`);
  const r = await start({ name: instance, address, nodes, ...(keep ? { heap: existing.heap, auth: existing.auth, tls: existing.tls, system: existing.system } : {}), log });
  log(r.alreadyRunning ? 'cluster already running' : `cluster up in ${(r.elapsedMs / 1000).toFixed(1)} s`);
  const info = instanceInfo(instance)!;
  if (info.system !== 'durable') throw new Error(`launcher instance '${instance}' runs with --system ${info.system}: a killed node would forget recent schema; start it with --system durable`);
  return { contactPoints: info.contactPoints, instance, nodes: info.nodes };
}

async function main(): Promise<void> {
  const { contactPoints, instance, nodes } = await cluster();
  if (nodes < 3) throw new Error(`the soak needs 3 nodes, got ${nodes}`);
  await using client = await Client.connect({ contactPoints, consistency: 'QUORUM', timeoutMs: 5000 });
  await client.execute(`CREATE KEYSPACE IF NOT EXISTS ${KEYSPACE} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}`);
  await client.execute(`DROP TABLE IF EXISTS ${KEYSPACE}.kv`);
  await client.execute(`CREATE TABLE ${KEYSPACE}.kv (k int PRIMARY KEY, v bigint)`);
  const write = await client.prepare(`INSERT INTO ${KEYSPACE}.kv (k, v) VALUES (?, ?)`);
  const read = await client.prepare(`SELECT v FROM ${KEYSPACE}.kv WHERE k = ?`);

  // Last acknowledged value per key; values only grow, so a read may see a newer one.
  const acked = new Map<number, bigint>();
  let ok = 0;
  let failed = 0;
  const failures = new Map<string, number>();
  let seq = 0n;
  const baseMicros = BigInt(Date.now()) * 1000n;
  const deadline = performance.now() + MINUTES * 60_000;

  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const k = Math.floor(Math.random() * KEYS);
      try {
        if (Math.random() < 0.5) {
          const v = ++seq;
          // Write timestamp grows with v, so the highest acknowledged value wins on every replica.
          await client.execute(write, [k, v], { idempotent: true, timestamp: baseMicros + v });
          if ((acked.get(k) ?? -1n) < v) acked.set(k, v);
        } else {
          await client.execute(read, [k], { idempotent: true });
        }
        ok++;
      } catch (err) {
        failed++;
        const code = CqlwireError.is(err) ? err.code : 'UNTYPED';
        failures.set(code, (failures.get(code) ?? 0) + 1);
        await sleep(10);
      }
    }
  };

  const chaos = async (): Promise<void> => {
    let round = 0;
    while (performance.now() + KILL_EVERY_MS < deadline) {
      await sleep(KILL_EVERY_MS - DOWN_MS);
      const node = 2 + (round++ % (nodes - 1)); // never the seed: restarts need it
      log(`kill node ${node}`);
      await killNode(instance, node);
      await sleep(DOWN_MS);
      log(`restart node ${node}`);
      await restartNode(instance, node);
      const t0 = performance.now();
      const agreed = await client.waitForSchemaAgreement();
      log(`node ${node} is back (ok ${ok}, failed ${failed}); schema ${agreed ? 'agrees' : 'NOT in agreement'} after ${Math.round(performance.now() - t0)} ms`);
    }
  };

  const progress = setInterval(() => log(`ok ${ok}, failed ${failed}, retried ${client.metrics().session.retries}`), 10_000);
  try {
    await Promise.all([chaos(), ...Array.from({ length: CONCURRENCY }, worker)]);
  } finally {
    clearInterval(progress);
  }

  const retried = client.metrics().session.retries;
  const agreeT0 = performance.now();
  const agreed = await client.waitForSchemaAgreement();
  log(`schema ${agreed ? 'agrees' : 'NOT in agreement'} (${Math.round(performance.now() - agreeT0)} ms); verifying ${acked.size} acknowledged keys at ALL`);
  let lost = 0;
  let unverified = 0;
  const verifyRetries = new Map<string, number>();
  const keys = [...acked.keys()];
  let next = 0;
  const readAtAll = async (k: number): Promise<bigint | undefined | 'unread'> => {
    for (let attempt = 1; ; attempt++) {
      try {
        const row = (await client.execute(read, [k], { consistency: 'ALL', idempotent: true, timeoutMs: 20_000 })).one();
        return row?.['v'] as bigint | undefined;
      } catch (err) {
        const code = CqlwireError.is(err) ? err.code : 'UNTYPED';
        if (!TRANSIENT.has(code)) throw err;
        verifyRetries.set(code, (verifyRetries.get(code) ?? 0) + 1);
        if (attempt >= VERIFY_ATTEMPTS) {
          log(`key ${k}: read at ALL still failing after ${attempt} attempts: ${(err as Error).message}`);
          return 'unread';
        }
        await sleep(500 * attempt);
      }
    }
  };
  const verify = async (): Promise<void> => {
    for (let i = next++; i < keys.length; i = next++) {
      const k = keys[i]!;
      const v = await readAtAll(k);
      if (v === 'unread') unverified++;
      else if (v === undefined || v < acked.get(k)!) lost++;
    }
  };
  await Promise.all(Array.from({ length: 32 }, verify));
  if (failures.size > 0) log(`failures by code: ${JSON.stringify(Object.fromEntries(failures))}`);
  const retriedReads = [...verifyRetries.values()].reduce((a, b) => a + b, 0);
  log(`verification reads retried: ${retriedReads}${retriedReads > 0 ? ` ${JSON.stringify(Object.fromEntries(verifyRetries))}` : ''}, keys unverified: ${unverified}`);
  console.log(`ok ${ok}, failed ${failed}, retried ${retried}, lost ${lost}${unverified > 0 ? `, unverified ${unverified}` : ''}`);
  if (lost > 0 || unverified > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
