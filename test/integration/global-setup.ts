// vitest globalSetup of the `integration` project: makes sure a real Cassandra answers and hands
// its coordinates to the tests (provide('cqlwire') -> inject in test/integration/env.ts; the same
// values are also put in process.env as CQLWIRE_* for child processes).
//
// Main cluster:
//   CQLWIRE_CONTACT_POINTS set -> used as is; it must answer (a failure, CI or not).
//   else 127.0.0.1:9042 answers -> used as is (e.g. `npm run cassandra -- start` beforehand).
//   else the launcher starts instance 'main' (1 node, TLS optional) and stops it at teardown,
//   unless CQLWIRE_KEEP_CASSANDRA=1.
// TLS: the CA is CQLWIRE_TLS_CA, else the launcher's CA; tlsCaPath is given only if a TLS
//   handshake + OPTIONS with that CA succeeds on the first contact point.
// Auth node: CQLWIRE_AUTH_CONTACT_POINT if set (must accept CQLWIRE_AUTH_USERNAME/PASSWORD,
//   default cassandra/cassandra); else, when the main cluster is local (no
//   CQLWIRE_CONTACT_POINTS) and CQLWIRE_WITH_AUTH_NODE != '0', instance 'auth' on 127.0.0.4
//   (512 MB heap) is used or started (and stopped at teardown if started here).
// CQLWIRE_CASSANDRA=docker: a container started with testcontainers instead of the launcher (needs
//   a Docker engine; the image is built on first use, see test/cassandra/image.ts; one node on
//   a published 127.0.0.1 port, no auth node, no TLS).
import type { TestProject } from 'vitest/node';
import { startDockerCassandra, dockerRequested } from '../cassandra/docker.js';
import { instanceInfo, start, stop, SUPERUSER, tlsCaPemPath } from '../cassandra/launcher.js';
import { optionsAnswers, startupProbe } from '../cassandra/probe.js';
import { existsSync } from 'node:fs';
import { parseContactPoints, splitHostPort } from '../cassandra/contact-points.js';
import type { Credentials, CqlwireTestEnv } from './env.js';

const AUTH_ADDRESS = '127.0.0.4';

function say(line: string): void {
  process.stderr.write(`[cassandra] ${line}\n`);
}

async function answers(point: string, timeoutMs: number, tlsCa?: string): Promise<boolean> {
  const { host, port } = splitHostPort(point);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await optionsAnswers({ host, port, timeoutMs: 3000, ...(tlsCa ? { tlsCa } : {}) })) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function needsAuth(point: string): Promise<boolean> {
  const { host, port } = splitHostPort(point);
  return (await startupProbe({ host, port, timeoutMs: 5000 })) === 'auth-required';
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const e = process.env;
  const keep = e.CQLWIRE_KEEP_CASSANDRA === '1';
  const ci = e.CI === 'true' || e.CI === '1';
  const cleanups: (() => Promise<void>)[] = [];
  const teardown = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c();
  };

  let env: CqlwireTestEnv;
  try {
    env = await prepare();
  } catch (err) {
    await teardown();
    throw err;
  }
  project.provide('cqlwire', env);
  e.CQLWIRE_CONTACT_POINTS = env.contactPoints.join(',');
  if (env.tlsCaPath) e.CQLWIRE_TLS_CA = env.tlsCaPath;
  if (env.authContactPoint) e.CQLWIRE_AUTH_CONTACT_POINT = env.authContactPoint;
  say(
    `contact points ${env.contactPoints.join(',')} (${env.source})` +
      `, tls ${env.tlsCaPath ? `ca ${env.tlsCaPath}` : 'off'}` +
      `, auth node ${env.authContactPoint ?? 'none'}`,
  );
  return teardown;

  async function prepare(): Promise<CqlwireTestEnv> {
    if (dockerRequested()) {
      const d = await startDockerCassandra({ log: (l) => say(`docker: ${l}`) });
      if (!keep) cleanups.push(() => d.stop());
      // Through the published port, as the tests will connect.
      const point = d.contactPoints[0]!;
      if (!(await answers(point, 60_000))) throw new Error(`the Cassandra container (${d.image}) does not answer CQL OPTIONS on ${point}`);
      return {
        contactPoints: d.contactPoints,
        credentials: null,
        tlsCaPath: null,
        authContactPoint: null,
        authCredentials: null,
        localDataCenter: 'datacenter1',
        source: 'docker',
      };
    }

    // main cluster
    let contactPoints: string[];
    let source: CqlwireTestEnv['source'];
    // Started one after the other: on 2 cores two JVMs booting side by side take longer than in turn.
    const startTasks: (() => Promise<void>)[] = [];
    if (e.CQLWIRE_CONTACT_POINTS) {
      contactPoints = parseContactPoints(e.CQLWIRE_CONTACT_POINTS);
      const first = contactPoints[0];
      if (!first) throw new Error('CQLWIRE_CONTACT_POINTS is set but empty');
      if (!(await answers(first, ci ? 60_000 : 10_000))) {
        throw new Error(
          `CQLWIRE_CONTACT_POINTS=${e.CQLWIRE_CONTACT_POINTS} but ${first} does not answer CQL OPTIONS` +
            (ci ? ' (CI=true: a missing server fails the run)' : '; start it (npm run cassandra -- start) or unset the variable'),
        );
      }
      source = 'env';
    } else if (await answers('127.0.0.1:9042', 0)) {
      contactPoints = instanceInfo('main')?.contactPoints ?? ['127.0.0.1:9042'];
      source = 'existing';
    } else {
      contactPoints = ['127.0.0.1:9042'];
      source = 'launcher';
      startTasks.push(async () => {
        say('nothing answers on 127.0.0.1:9042: starting a local Cassandra (1 node, TLS optional)');
        const r = await start({ tls: true, log: (l) => say(l) });
        if (!r.alreadyRunning && !keep) cleanups.push(async () => void (await stop('main', { log: say })));
      });
    }

    // auth node
    let authContactPoint: string | null = null;
    let authCredentials: Credentials | null = null;
    if (e.CQLWIRE_AUTH_CONTACT_POINT) {
      authContactPoint = parseContactPoints(e.CQLWIRE_AUTH_CONTACT_POINT)[0] ?? null;
      authCredentials = { username: e.CQLWIRE_AUTH_USERNAME ?? 'cassandra', password: e.CQLWIRE_AUTH_PASSWORD ?? 'cassandra' };
    } else if (!e.CQLWIRE_CONTACT_POINTS && e.CQLWIRE_WITH_AUTH_NODE !== '0') {
      authContactPoint = `${AUTH_ADDRESS}:9042`;
      authCredentials = { ...SUPERUSER };
      const running = (await startupProbe({ host: AUTH_ADDRESS, port: 9042, credentials: authCredentials, timeoutMs: 3000 })) === 'authenticated';
      if (!running) {
        startTasks.push(async () => {
          say(`starting the auth node on ${AUTH_ADDRESS} (PasswordAuthenticator, 512 MB heap)`);
          const r = await start({ name: 'auth', address: AUTH_ADDRESS, auth: true, tls: true, heap: '512m', log: (l) => say(`auth: ${l}`) });
          if (!r.alreadyRunning && !keep) cleanups.push(async () => void (await stop('auth', { log: say })));
        });
      }
    }
    for (const task of startTasks) await task();

    if (authContactPoint && authCredentials) {
      const { host, port } = splitHostPort(authContactPoint);
      const r = await startupProbe({ host, port, credentials: authCredentials, timeoutMs: 10_000 });
      if (r !== 'authenticated') {
        throw new Error(`auth node ${authContactPoint} does not accept ${authCredentials.username}: ${typeof r === 'object' ? r.error : r}`);
      }
    }

    const first = contactPoints[0] ?? '127.0.0.1:9042';
    const caCandidate = e.CQLWIRE_TLS_CA || tlsCaPemPath();
    const tlsCaPath = existsSync(caCandidate) && (await answers(first, 0, caCandidate)) ? caCandidate : null;
    const mainCredentials: Credentials | null = (await needsAuth(first))
      ? { username: e.CQLWIRE_USERNAME ?? SUPERUSER.username, password: e.CQLWIRE_PASSWORD ?? SUPERUSER.password }
      : null;
    return {
      contactPoints,
      credentials: mainCredentials,
      tlsCaPath,
      authContactPoint,
      authCredentials,
      localDataCenter: e.CQLWIRE_LOCAL_DC ?? 'datacenter1',
      source,
    };
  }
}
