// The Cassandra node of the suites that need one (real, stream, offload): the one at
// CQLWIRE_CONTACT_POINTS, else whatever answers on 127.0.0.1:9042, else the project's local node
// started here with the launcher (`npm run cassandra -- start`) and stopped again after the
// suites, as `npm test` does (test/integration/global-setup.ts). CQLWIRE_KEEP_CASSANDRA=1 leaves
// a node this started running.
import { optionsAnswers } from '../../test/cassandra/probe.js';

/** Where the suites connect. */
export interface CassandraTarget {
  readonly host: string;
  readonly port: number;
}

/** The first contact point of CQLWIRE_CONTACT_POINTS, or 127.0.0.1:9042. */
export function cassandraTarget(): CassandraTarget {
  const [host, port] = (process.env.CQLWIRE_CONTACT_POINTS ?? '127.0.0.1:9042').split(',')[0]!.trim().split(':');
  return { host: host!, port: Number(port ?? 9042) };
}

/** Set when this process started the node: how to stop it. */
let startedHere: (() => Promise<void>) | undefined;
/** Suites holding the node (prepare without cleanup yet): it stops when the last lets go. */
let holders = 0;

/** Typical first start of the local node on a 2-core machine (JVM boot, system keyspaces). */
export const CASSANDRA_START_SECONDS = 90;

/** Whether a node answers at the target now (CQL OPTIONS). */
export function cassandraAnswers(t: CassandraTarget = cassandraTarget()): Promise<boolean> {
  return optionsAnswers({ host: t.host, port: t.port, timeoutMs: 3000 });
}

/**
 * Make sure a node answers; start the local one when nothing does (and no contact point was
 * named). Pair every call with {@link releaseCassandra}.
 */
export async function ensureCassandra(log: (l: string) => void): Promise<CassandraTarget> {
  holders++;
  const t = cassandraTarget();
  if (await cassandraAnswers(t)) return t;
  if (process.env.CQLWIRE_CONTACT_POINTS) {
    throw new Error(`CQLWIRE_CONTACT_POINTS=${process.env.CQLWIRE_CONTACT_POINTS} but ${t.host}:${t.port} does not answer CQL; start it or unset the variable to use the local node`);
  }
  log(`nothing answers on ${t.host}:${t.port}: starting the local Cassandra (npm run cassandra -- start; about ${CASSANDRA_START_SECONDS} s, longer the first time: it downloads Cassandra) ...`);
  // Imported only here: the launcher pulls in more than a suite that finds a node needs.
  const launcher = await import('../../test/cassandra/launcher.js');
  const r = await launcher.start({ log: (l) => log(`  [cassandra] ${l}`) });
  if (!r.alreadyRunning && process.env.CQLWIRE_KEEP_CASSANDRA !== '1') {
    startedHere = async () => {
      log('stopping the local Cassandra this run started (CQLWIRE_KEEP_CASSANDRA=1 keeps it) ...');
      await launcher.stop('main', { log: (l) => log(`  [cassandra] ${l}`) });
    };
  }
  log(`Cassandra ${r.version} answers on ${r.contactPoints.join(', ')} (started in ${Math.round(r.elapsedMs / 1000)} s)`);
  return t;
}

/** Let go of the node; the last holder stops it if this process started it. */
export async function releaseCassandra(): Promise<void> {
  holders = Math.max(0, holders - 1);
  if (holders > 0 || startedHere === undefined) return;
  const stop = startedHere;
  startedHere = undefined;
  await stop();
}
