// What integration tests need to reach the real Cassandra the global setup prepared.
//
//   import { contactPoints, tlsCaPath, authContactPoint } from './env.js';
//
// Values come from the global setup through vitest's provide/inject ('cqlwire'); outside vitest
// (or in a project without that global setup) the same CQLWIRE_* environment variables the
// global setup reads are used instead.
import { inject } from 'vitest';
import { DEFAULT_PORT, parseContactPoints, splitHostPort } from '../cassandra/contact-points.js';

export interface Credentials {
  username: string;
  password: string;
}

export interface CqlwireTestEnv {
  /** 'host:port' of every node of the main cluster, seed first. */
  contactPoints: string[];
  /** Credentials the main cluster needs (only when it was started with --auth), else null. */
  credentials: Credentials | null;
  /** PEM of the CA that signed the main cluster's certificate, when it serves TLS, else null. */
  tlsCaPath: string | null;
  /** 'host:port' of a node with PasswordAuthenticator (cassandra/cassandra), else null. */
  authContactPoint: string | null;
  authCredentials: Credentials | null;
  /** Datacenter name of the local nodes. */
  localDataCenter: string;
  /** Where the main cluster came from. */
  source: 'env' | 'existing' | 'launcher' | 'docker';
}

declare module 'vitest' {
  export interface ProvidedContext {
    cqlwire: CqlwireTestEnv;
  }
}

export { DEFAULT_PORT, parseContactPoints, splitHostPort };

function fromEnv(): CqlwireTestEnv {
  const e = process.env;
  const user = e.CQLWIRE_AUTH_USERNAME ?? 'cassandra';
  const pass = e.CQLWIRE_AUTH_PASSWORD ?? 'cassandra';
  return {
    contactPoints: parseContactPoints(e.CQLWIRE_CONTACT_POINTS ?? '127.0.0.1'),
    credentials: e.CQLWIRE_USERNAME ? { username: e.CQLWIRE_USERNAME, password: e.CQLWIRE_PASSWORD ?? '' } : null,
    tlsCaPath: e.CQLWIRE_TLS_CA || null,
    authContactPoint: e.CQLWIRE_AUTH_CONTACT_POINT ? (parseContactPoints(e.CQLWIRE_AUTH_CONTACT_POINT)[0] ?? null) : null,
    authCredentials: e.CQLWIRE_AUTH_CONTACT_POINT ? { username: user, password: pass } : null,
    localDataCenter: e.CQLWIRE_LOCAL_DC ?? 'datacenter1',
    source: 'env',
  };
}

let cached: CqlwireTestEnv | undefined;

/** Everything at once. */
export function testEnv(): CqlwireTestEnv {
  if (cached) return cached;
  let provided: CqlwireTestEnv | undefined;
  try {
    provided = inject('cqlwire');
  } catch {
    provided = undefined;
  }
  cached = provided ?? fromEnv();
  return cached;
}

/** 'host:port' of every node of the main cluster (e.g. ['127.0.0.1:9042']). */
export function contactPoints(): string[] {
  return testEnv().contactPoints;
}

/** The contact points as { host, port }. */
export function endpoints(): { host: string; port: number }[] {
  return contactPoints().map(splitHostPort);
}

/** Credentials for the main cluster, or undefined when it needs none. */
export function credentials(): Credentials | undefined {
  return testEnv().credentials ?? undefined;
}

/** Path of the CA PEM to trust for TLS to the main cluster, or undefined when it serves no TLS. */
export function tlsCaPath(): string | undefined {
  return testEnv().tlsCaPath ?? undefined;
}

/** 'host:port' of the PasswordAuthenticator node (default 127.0.0.4:9042), or undefined when none. */
export function authContactPoint(): string | undefined {
  return testEnv().authContactPoint ?? undefined;
}

/** Superuser of the auth node (cassandra/cassandra), or undefined when there is no auth node. */
export function authCredentials(): Credentials | undefined {
  return testEnv().authCredentials ?? undefined;
}

export function localDataCenter(): string {
  return testEnv().localDataCenter;
}
