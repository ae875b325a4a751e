// Shared setup of the driver-level integration tests: a connected Client and a keyspace of
// its own per test file, dropped at the end.
import { randomBytes } from 'node:crypto';
import { Client, type ClientOptions } from '../../src/index.js';
import { contactPoints, credentials } from './env.js';

/** A fresh keyspace name: `prefix` plus random hex (valid CQL identifier, ≤ 48 chars). */
export function uniqueKeyspace(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`.toLowerCase();
}

/** Connect to the main test cluster with `extra` options. */
export function connect(extra: Partial<ClientOptions> = {}): Promise<Client> {
  const creds = credentials();
  return Client.connect({ contactPoints: contactPoints(), ...(creds ? { credentials: creds } : {}), ...extra });
}

/** Create a SimpleStrategy RF=1 keyspace. */
export async function createKeyspace(client: Client, keyspace: string): Promise<void> {
  await client.execute(
    `CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    undefined,
    { timeoutMs: 60_000 },
  );
}

/** Drop a keyspace (ignoring that it is already gone). */
export async function dropKeyspace(client: Client, keyspace: string): Promise<void> {
  await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`, undefined, { timeoutMs: 60_000 });
}

/** Run schema statements one after the other (DDL with a generous timeout). */
export async function ddl(client: Client, ...statements: string[]): Promise<void> {
  for (const s of statements) await client.execute(s, undefined, { timeoutMs: 60_000 });
}
