// Tests that look behind the public API (a host's pool, its raw connections) reach it here,
// so the public entry stays free of internals.
import { HostPool } from '../src/cluster/host-pool.js';
import type { Host } from '../src/index.js';

export { Connection } from '../src/connection/connection.js';

/** The pool behind a host the client lists. */
export function poolOf(host: Host | undefined): HostPool {
  if (!(host instanceof HostPool)) throw new TypeError(`not a host of this client: ${String(host?.id)}`);
  return host;
}
