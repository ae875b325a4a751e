// Where the launcher keeps things. Nothing here lives in the work tree: jars and per-instance
// state go under the user's cache dir so a fresh clone (and CI) reuse them across runs.
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The Cassandra release the launcher runs: newest 5.0.x on Maven Central when pinned. */
export const CASSANDRA_VERSION = '5.0.9';

/** Native protocol port; every node listens on its own loopback address with this port. */
export const CQL_PORT = 9042;
/** Internode (gossip/messaging) port, on each node's own address. */
export const STORAGE_PORT = 7000;

/** Root of everything the launcher writes: `$CQLWIRE_HOME`, else `$XDG_CACHE_HOME/cqlwire`, else `~/.cache/cqlwire`. */
export function cacheRoot(): string {
  const explicit = process.env.CQLWIRE_HOME;
  if (explicit) return explicit;
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg && xdg.length > 0 ? xdg : join(homedir(), '.cache'), 'cqlwire');
}

/** `~/.cache/cqlwire/cassandra-<ver>` holds the resolved jars in `lib/`. */
export function distDir(version = CASSANDRA_VERSION): string {
  return join(cacheRoot(), `cassandra-${version}`);
}

export function libDir(version = CASSANDRA_VERSION): string {
  return join(distDir(version), 'lib');
}

/** Per-instance state (config, data, logs, pid files): `~/.cache/cqlwire/run/<name>`. */
export function runRoot(): string {
  return join(cacheRoot(), 'run');
}

export function instanceDir(name: string): string {
  return join(runRoot(), name);
}

/** Test CA and server keystore shared by every instance started with `--tls`. */
export function tlsDir(): string {
  return join(cacheRoot(), 'tls');
}

/** PEM of the self-signed CA that signed the nodes' certificate (what a TLS client trusts). */
export function tlsCaPemPath(): string {
  return join(tlsDir(), 'ca.pem');
}
