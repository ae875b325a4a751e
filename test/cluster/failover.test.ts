// Failover on three real nodes: a steady load of QUORUM writes (RF 3, 4 workers) while node 2 is killed
// (SIGKILL) and restarted. While it is down: connecting still works through the others, a
// client whose only contact point was the dead node keeps following the cluster, and contact
// points that are all down give a NoHostAvailableError with each host's cause.
import diagnosticsChannel from 'node:diagnostics_channel';
import { afterAll, describe, expect, it } from 'vitest';
import { Client, ConnectError, CqlwireError, ExponentialReconnectionPolicy, NoHostAvailableError, UnavailableError, UnpreparedError, channelNames, type HostStatusMessage } from '../../src/index.js';
import { instanceInfo } from '../cassandra/launcher.js';
import { addressOf, canKill, cluster, keyspaceName, kill, restart } from './env.js';

const ci = process.env.CI === 'true' || process.env.CI === '1';
if (cluster.available && !canKill && ci) throw new Error(`CI=true: the failover suite needs launcher instance '${cluster.instance}' to own ${cluster.contactPoints.join(',')}`);
// A node started with --system fast forgets the schema it learnt when SIGKILLed: not a real node's failure.
const system = canKill ? instanceInfo(cluster.instance)?.system : undefined;
if (system === 'fast') throw new Error(`launcher instance '${cluster.instance}' runs with --system fast; the failover suite kills nodes and needs --system durable (the default with several nodes)`);

/** Typed failures a read may hit while the cluster settles after a restart. */
const TRANSIENT = new Set(['ERR_SERVER_READ_TIMEOUT', 'ERR_SERVER_READ_FAILURE', 'ERR_SERVER_UNAVAILABLE', 'ERR_SERVER_OVERLOADED', 'ERR_NO_HOST_AVAILABLE', 'ERR_REQUEST_TIMEOUT', 'ERR_CONNECTION_CLOSED']);

function sockets(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TLSWrap').length;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!cluster.available || !canKill)('failover on three nodes: kill 2, restart 2 under load', () => {
  const ks = keyspaceName('failover');
  const clients: Client[] = [];

  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
  });

  it('marks the node down and up, retries idempotent writes elsewhere, fails non-idempotent ones with a typed error, loses no acknowledged write', { timeout: 420_000 }, async () => {
    const victimAddress = addressOf(1);
    const victimId = cluster.contactPoints[1]!;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const status: (HostStatusMessage & { at: number })[] = [];
    const onStatus = (m: unknown): void => void status.push({ ...(m as HostStatusMessage), at: Date.now() });
    diagnosticsChannel.subscribe(channelNames.hostStatus, onStatus);
    const baselineSockets = sockets();
    let running = true;
    try {
      const fast = { reconnectionPolicy: new ExponentialReconnectionPolicy(250, 2000), timeoutMs: 8000 };
      const client = await Client.connect({ contactPoints: cluster.contactPoints, ...fast });
      clients.push(client);
      // Its only contact point is the node that will die: its control connection must move.
      const watcher = await Client.connect({ contactPoints: [victimId], ...fast });
      clients.push(watcher);
      await client.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'NetworkTopologyStrategy', '${cluster.localDataCenter}': 3}`);
      await client.execute(`CREATE TABLE ${ks}.load (k int PRIMARY KEY, v int)`);
      const insert = await client.prepare(`INSERT INTO ${ks}.load (k, v) VALUES (?, ?)`);

      // ---- steady load: 8 workers, even keys idempotent, odd keys not
      const acked: number[] = [];
      const counts = { ok: 0, okIdempotent: 0, okNonIdempotent: 0, retried: 0, failed: 0, failedIdempotent: 0, failedNonIdempotent: 0, unpreparedMoved: 0, retriedIdempotent: 0 };
      const failureCodes = new Map<string, number>();
      const nonIdempotentResent: string[] = [];
      let next = 0;
      const worker = async (): Promise<void> => {
        while (running) {
          const k = next++;
          const idempotent = k % 2 === 0;
          try {
            const r = await client.execute(insert, [k, k * 10], { consistency: 'QUORUM', idempotent });
            acked.push(k);
            counts.ok++;
            if (idempotent) counts.okIdempotent++;
            else counts.okNonIdempotent++;
            const failedAttempts = r.info.attempts.filter((a) => a.error !== undefined);
            if (failedAttempts.length > 0) {
              counts.retried++;
              if (idempotent) counts.retriedIdempotent++;
            }
            // A non-idempotent request may only move on from hosts that certainly did not run it:
            // not reachable, UNPREPARED (the restarted node forgot the statement), Unavailable.
            if (!idempotent) {
              for (const a of failedAttempts) {
                if (a.error instanceof UnpreparedError) counts.unpreparedMoved++;
                else if (!(a.error instanceof ConnectError || a.error instanceof UnavailableError)) nonIdempotentResent.push(`${k}: ${a.host} ${a.error!.message}`);
              }
            }
          } catch (err) {
            counts.failed++;
            if (idempotent) counts.failedIdempotent++;
            else counts.failedNonIdempotent++;
            expect(CqlwireError.is(err), String(err)).toBe(true);
            const code = (err as CqlwireError).code;
            failureCodes.set(code, (failureCodes.get(code) ?? 0) + 1);
          }
          await sleep(25);
        }
      };
      // A steady, bounded rate (about 4 × 40 writes/s): unthrottled, the load alone would starve
      // the restarting JVM on a 2-core machine.
      const workers = Array.from({ length: 4 }, () => worker());

      await sleep(2000);
      const beforeKill = counts.ok;
      expect(beforeKill).toBeGreaterThan(20);

      // ---- kill node 2
      await kill(victimAddress);
      const victimHost = () => client.hosts.find((h) => h.id === victimId)!;
      await expect.poll(() => victimHost().isUp, { timeout: 30_000, interval: 50 }).toBe(false);
      expect(status.some((s) => s.host === victimId && !s.up)).toBe(true);
      const downAt = counts.ok;

      // A node stopped before connect: connecting succeeds through the others.
      const late = await Client.connect({ contactPoints: cluster.contactPoints, ...fast });
      clients.push(late);
      await expect.poll(() => late.hosts.find((h) => h.id === victimId)?.isUp, { timeout: 15_000, interval: 50 }).toBe(false);
      for (let i = 0; i < 10; i++) {
        const r = await late.execute(`SELECT k FROM ${ks}.load WHERE k = ?`, [i], { prepare: true, consistency: 'QUORUM' });
        expect(r.info.coordinator).not.toBe(victimId);
      }

      // Every contact point down: NoHostAvailableError with each host's cause.
      const deadPoints = [victimId, `${addressOf(0)}:9`, `${addressOf(2)}:9`];
      const nha = await Client.connect({ contactPoints: deadPoints, connectTimeoutMs: 2000 }).then(
        (c) => {
          clients.push(c);
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(nha).toBeInstanceOf(NoHostAvailableError);
      const nhaErrors = (nha as NoHostAvailableError).errors;
      expect([...nhaErrors.keys()].sort()).toEqual([...deadPoints].sort());
      for (const e of nhaErrors.values()) expect(CqlwireError.is(e)).toBe(true);

      // The watcher's control connection was on the dead node: it moved and still sees DDL.
      await client.execute(`CREATE TABLE ${ks}.during_outage (k int PRIMARY KEY)`);
      await expect.poll(() => watcher.metadata.table(ks, 'during_outage')?.name, { timeout: 20_000, interval: 100 }).toBe('during_outage');
      expect(watcher.hosts.filter((h) => h.isUp).map((h) => h.id)).not.toContain(victimId);

      await sleep(1000);
      expect(counts.ok).toBeGreaterThan(downAt); // writes go on while the node is down

      // ---- restart node 2
      await restart(victimAddress);
      await expect.poll(() => victimHost().isUp, { timeout: 60_000, interval: 100 }).toBe(true);
      const downIdx = status.findIndex((s) => s.host === victimId && !s.up);
      expect(status.slice(downIdx).some((s) => s.host === victimId && s.up)).toBe(true);
      await expect.poll(() => late.hosts.find((h) => h.id === victimId)?.isUp, { timeout: 60_000, interval: 100 }).toBe(true);
      await sleep(2000);
      running = false;
      await Promise.all(workers);

      // The restarted node kept its schema (durable system tables) and catches up on what it
      // missed: wait until all three agree before verifying.
      const agreeT0 = Date.now();
      await expect.poll(() => client.waitForSchemaAgreement(), { timeout: 150_000, interval: 0 }).toBe(true);
      const agreeSeconds = Math.round((Date.now() - agreeT0) / 1000);

      // The node serves again, the test table included: requests reach it.
      await expect
        .poll(async () => (await client.execute(`SELECT k FROM ${ks}.load WHERE k = 0`, undefined, { idempotent: true, consistency: 'ONE' })).info.coordinator, {
          timeout: 30_000,
          interval: 20,
        })
        .toBe(victimId);

      // ---- every acknowledged write is readable (QUORUM write + QUORUM read): any two replicas
      // a QUORUM read asks overlap the two that acknowledged each write. A read that fails for a
      // transient, typed reason is tried again, up to 5 times, and reported.
      const stored = new Map<number, number>();
      const verifyRetries: string[] = [];
      for (let attempt = 1; ; attempt++) {
        try {
          stored.clear();
          for await (const row of client.stream(`SELECT k, v FROM ${ks}.load`, undefined, { consistency: 'QUORUM', fetchSize: 2000, idempotent: true })) stored.set(row['k'] as number, row['v'] as number);
          break;
        } catch (err) {
          const code = CqlwireError.is(err) ? err.code : 'UNTYPED';
          if (!TRANSIENT.has(code) || attempt >= 5) throw err;
          verifyRetries.push(`${code}: ${(err as Error).message}`);
          await sleep(500 * attempt);
        }
      }
      const missing = acked.filter((k) => stored.get(k) !== k * 10);
      process.stderr.write(
        `[failover] ${JSON.stringify({ ...counts, acked: acked.length, missing: missing.length, failureCodes: Object.fromEntries(failureCodes), statusEvents: status.filter((s) => s.host === victimId).map((s) => (s.up ? 'up' : 'down')), schemaAgreementSeconds: agreeSeconds, verifyRetries })}\n`,
      );
      expect(missing).toEqual([]);
      expect(nonIdempotentResent).toEqual([]);
      expect(counts.failedIdempotent).toBe(0);
      expect(counts.retriedIdempotent).toBeGreaterThan(0);
    } finally {
      running = false;
      for (const c of clients.splice(0)) await c.close().catch(() => undefined);
      diagnosticsChannel.unsubscribe(channelNames.hostStatus, onStatus);
      process.off('unhandledRejection', onUnhandled);
    }
    await sleep(200);
    expect(unhandled).toEqual([]);
    expect(sockets()).toBe(baselineSockets);
  });
});
