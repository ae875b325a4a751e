// CQLWIRE_CASSANDRA=docker: where a Docker engine answers, tests may use testcontainers
// (@testcontainers/cassandra, deliberately not a dependency: install it yourself) instead of
// the JDK launcher. Only the detection and the messages are exercised here (no engine on the
// project's machines); the container path below is untested.
import { spawnSync } from 'node:child_process';
import { LauncherError } from './errors.js';

export function dockerRequested(): boolean {
  return (process.env.CQLWIRE_CASSANDRA ?? '').toLowerCase() === 'docker';
}

export function dockerEngineAnswers(): boolean {
  const r = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 15_000 });
  return !r.error && r.status === 0;
}

export interface DockerCassandra {
  contactPoints: string[];
  stop(): Promise<void>;
}

/** Starts cassandra:5.0 with testcontainers. Throws a one-line LauncherError when it cannot. */
export async function startDockerCassandra(image = process.env.CQLWIRE_CASSANDRA_IMAGE ?? 'cassandra:5.0'): Promise<DockerCassandra> {
  if (!dockerEngineAnswers()) {
    throw new LauncherError(
      "CQLWIRE_CASSANDRA=docker but no Docker engine answers ('docker info' failed); unset CQLWIRE_CASSANDRA to use the JDK launcher",
    );
  }
  const pkg = '@testcontainers/cassandra';
  let mod: { CassandraContainer: new (image: string) => { start(): Promise<{ getHost(): string; getMappedPort(p: number): number; stop(): Promise<unknown> }> } };
  try {
    mod = (await import(pkg)) as typeof mod;
  } catch {
    throw new LauncherError(`CQLWIRE_CASSANDRA=docker needs ${pkg}: run 'npm install --no-save ${pkg}'`);
  }
  const c = await new mod.CassandraContainer(image).start();
  return {
    contactPoints: [`${c.getHost()}:${c.getMappedPort(9042)}`],
    stop: async () => {
      await c.stop();
    },
  };
}
