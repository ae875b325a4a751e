// The README's "Typed tables" example runs as written against the real node (its keyspace
// `shop` and table `stock` created here), and prints what its comments say.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '../../../src/index.js';
import { asModule, readmeBlocks } from '../../readme/readme-blocks.js';
import { connect, ddl } from '../../integration/helpers.js';
import { contactPoints } from '../../integration/env.js';
import { OUT, ROOT } from './fixture.js';

let client: Client;

beforeAll(async () => {
  client = await connect();
  await ddl(
    client,
    "CREATE KEYSPACE IF NOT EXISTS shop WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
    'DROP TABLE IF EXISTS shop.stock',
    'CREATE TABLE shop.stock (shop_id int, sku text, name text, qty int, tags set<text>, PRIMARY KEY (shop_id, sku))',
  );
}, 120_000);

afterAll(async () => {
  if (client) {
    await ddl(client, 'DROP TABLE IF EXISTS shop.stock');
    await client.close();
  }
});

describe('README typed tables example', () => {
  it('runs as written', () => {
    const block = readmeBlocks().find((b) => b.code.includes('new Mapper(client).forTable(stockTable)'));
    expect(block).toBeDefined();
    mkdirSync(OUT, { recursive: true });
    const file = `${OUT}/readme-typed-tables.ts`;
    // The example connects to 127.0.0.1:9042; point it at the test cluster.
    writeFileSync(file, asModule(block!, OUT).replace("'127.0.0.1:9042'", `'${contactPoints()[0]!}'`));
    const stdout = execFileSync(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, encoding: 'utf8', timeout: 90_000 });
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('false 3');
    expect(lines.at(-1)).toBe('2');
  }, 120_000);
});
