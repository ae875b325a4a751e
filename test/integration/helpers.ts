// Shared setup of the driver-level integration tests: a connected Client and a keyspace of
// its own per test file, dropped at the end.
import { randomBytes } from 'node:crypto';
import { Client, type ClientOptions } from '../../src/index.js';
import { contactPoints, credentials, testEnv } from './env.js';

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

/**
 * The `system_views.clients` row of the one connection a client with `connectionsPerHost: 1`
 * uses (its socket's local port is `localPort`), with the given columns. Directly connected,
 * the server sees that port; through Docker's published port it sees a proxy's address and
 * port instead, so the row is told apart by its request count: 30 more requests, all on that
 * connection, raise it on that row alone.
 */
export async function clientsRowOf(client: Client, localPort: number | undefined, columns: readonly string[]): Promise<Record<string, unknown>> {
  const cols = ['address', 'port', 'request_count', ...columns].join(', ');
  const read = async (): Promise<Record<string, unknown>[]> => (await client.execute(`SELECT ${cols} FROM system_views.clients`)).rows as Record<string, unknown>[];
  const key = (r: Record<string, unknown>): string => `${String(r['address'])}:${String(r['port'])}`;
  const pick = (r: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(columns.map((c) => [c, r[c]]));
  if (testEnv().source !== 'docker') {
    const mine = (await read()).filter((r) => r['port'] === localPort);
    if (mine.length !== 1) throw new Error(`expected one system_views.clients row with port ${localPort}, found ${mine.length}`);
    return pick(mine[0]!);
  }
  const before = new Map((await read()).map((r) => [key(r), Number(r['request_count'])]));
  const EXTRA = 30;
  for (let i = 0; i < EXTRA; i++) await client.execute('SELECT key FROM system.local');
  const grown = (await read()).filter((r) => Number(r['request_count']) - (before.get(key(r)) ?? 0) >= EXTRA);
  if (grown.length !== 1) throw new Error(`expected one system_views.clients row with ${EXTRA} more requests, found ${grown.length}`);
  return pick(grown[0]!);
}

/** 'host:port' of the first node, as the client names it (e.g. '127.0.0.1:9042'). */
export function firstHost(): string {
  const first = contactPoints()[0];
  if (first === undefined) throw new Error('no contact point');
  return first;
}
