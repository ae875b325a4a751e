// CQLWIRE_CASSANDRA=docker: the integration tests run against a Cassandra container started with
// testcontainers (@testcontainers/cassandra) instead of the JDK launcher. The image is
// cqlwire/cassandra:<version>-<hash>, built without any image registry by ./image.ts (or
// CQLWIRE_CASSANDRA_IMAGE, e.g. the official cassandra:5.0 where a registry is reachable).
//
// How the container is run:
// - its native port 9042 is published on 127.0.0.1 only, on a free port Docker picks; the client
//   only ever connects there: the node's broadcast RPC address is 127.0.0.1, and a one-node
//   cluster has no peers to discover, so the bridge network's addresses are never used;
// - ready when a CQL OPTIONS request inside the container gets SUPPORTED (the image's health
//   check) and the published port accepts; the global setup then checks CQL through that port
//   too (the log line alone is not enough: Docker accepts on the published port before
//   Cassandra listens);
// - TESTCONTAINERS_RYUK_DISABLED=true (the Ryuk image cannot be pulled without a registry):
//   the container is removed by stop(), and every container carries the label cqlwire.test so
//   `docker rm -f $(docker ps -aq --filter label=cqlwire.test)` removes leftovers (.ci/run does);
// - TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1 (else testcontainers may pull an alpine image to
//   find the host).
import { spawnSync } from 'node:child_process';
import type { StartedCassandraContainer } from '@testcontainers/cassandra';
import { LauncherError } from './errors.js';
import { CONTAINER_LABEL, ensureImage } from './image.js';

export function dockerRequested(): boolean {
  return (process.env.CQLWIRE_CASSANDRA ?? '').toLowerCase() === 'docker';
}

export function dockerEngineAnswers(): boolean {
  const r = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 15_000 });
  return !r.error && r.status === 0;
}

export interface DockerCassandra {
  contactPoints: string[];
  /** Image the container runs. */
  image: string;
  containerId: string;
  stop(): Promise<void>;
}

/** Builds the image if needed, starts one node and waits until it answers CQL. Throws a one-line LauncherError when it cannot. */
export async function startDockerCassandra(opts: { log?: (line: string) => void } = {}): Promise<DockerCassandra> {
  const log = opts.log ?? (() => {});
  if (!dockerEngineAnswers()) {
    throw new LauncherError(
      "CQLWIRE_CASSANDRA=docker but no Docker engine answers ('docker info' failed); start dockerd, or unset CQLWIRE_CASSANDRA to use the JDK launcher",
    );
  }
  const custom = process.env.CQLWIRE_CASSANDRA_IMAGE;
  const image = custom ?? (await ensureImage({ log })).tag;
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';

  const { CassandraContainer } = await import('@testcontainers/cassandra');
  // Publish on 127.0.0.1 only (testcontainers' own bindings are on every interface).
  class LoopbackCassandraContainer extends CassandraContainer {
    override async start(): Promise<StartedCassandraContainer> {
      this.hostConfig.PortBindings = { '9042/tcp': [{ HostIp: '127.0.0.1', HostPort: '0' }] };
      return super.start();
    }
  }
  let container = new LoopbackCassandraContainer(image)
    .withDatacenter('datacenter1')
    .withEnvironment({ CASSANDRA_BROADCAST_RPC_ADDRESS: '127.0.0.1', MAX_HEAP_SIZE: process.env.CQLWIRE_DOCKER_HEAP ?? '1g' })
    .withLabels({ [CONTAINER_LABEL]: 'cassandra' })
    .withStartupTimeout(Number(process.env.CQLWIRE_START_TIMEOUT_MS ?? 180_000));
  // cqlwire's image checks CQL itself (no cqlsh, which @testcontainers/cassandra's default check needs).
  if (!custom) container = container.withHealthCheck({ test: ['CMD', '/opt/cassandra/cql-ready.sh'], interval: 1000, timeout: 3000, retries: 600, startPeriod: 0 });
  log(`starting ${image} with testcontainers`);
  const started = Date.now();
  let c: StartedCassandraContainer;
  try {
    c = await container.start();
  } catch (err) {
    throw new LauncherError(`the Cassandra container (${image}) did not start: ${err instanceof Error ? err.message : String(err)}`);
  }
  const point = `${c.getHost()}:${c.getPort()}`;
  log(`container ${c.getId().slice(0, 12)} ready on ${point} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return {
    contactPoints: [point],
    image,
    containerId: c.getId(),
    stop: async () => {
      await c.stop({ timeout: 10_000 });
    },
  };
}
