// A keyspace with every CQL type, UDTs, nested frozen collections, vectors, counters, static
// columns and awkward names ("__proto__", "then", mixed case), for the generator and mapper tests.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Client } from '../../../src/index.js';
import { ddl } from '../../integration/helpers.js';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, '');
export const OUT = fileURLToPath(new URL('../.generated', import.meta.url));

export async function createEveryTypeSchema(client: Client, ks: string): Promise<void> {
  await ddl(
    client,
    `CREATE TYPE ${ks}.address (street text, zip int, "Then" text)`,
    `CREATE TYPE ${ks}."MixedType" (a int, "__proto__" text, home frozen<address>, tags frozen<set<text>>)`,
    `CREATE TABLE ${ks}.everything (k int, "Ck" text, ts timestamp, s text static,
       a ascii, bi bigint, bl blob, bo boolean, d date, dec decimal, dbl double, dur duration, f float,
       ip inet, i int, si smallint, t text, tm time, tu timeuuid, ti tinyint, u uuid, vi varint, vc varchar,
       li list<int>, st set<text>, mp map<text, int>, tp tuple<int, text, double>, addr address,
       mixed frozen<"MixedType">, vf vector<float, 3>, vd vector<double, 2>, vt vector<text, 2>,
       nested map<text, frozen<list<int>>>, lom list<frozen<map<int, text>>>, sot set<frozen<tuple<int, text>>>,
       deep map<frozen<set<int>>, frozen<map<text, frozen<list<frozen<address>>>>>>,
       "__proto__" text, "then" int, "MixedCase" text, "constructor" text, snake_case_col int,
       PRIMARY KEY ((k), "Ck", ts)) WITH CLUSTERING ORDER BY ("Ck" ASC, ts DESC)`,
    `CREATE TABLE ${ks}.counters (k int, day date, hits counter, misses counter, PRIMARY KEY (k, day))`,
    `CREATE TABLE ${ks}.items (id int PRIMARY KEY, name text, price decimal)`,
  );
}

/** Run the CLI (`node --import tsx src/cli.ts ...`); returns its exit code and output. */
export function cli(args: readonly string[]): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(process.execPath, ['--import', 'tsx', `${ROOT}/src/cli.ts`, ...args], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 90_000 });
    return { code: 0, stdout, stderr: '' };
  } catch (err) {
    const e = err as { status?: number; stdout?: string; stderr?: string };
    return { code: e.status ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/**
 * Type-check files under `strict`, with `cqlwire` and `cqlwire/mapper` resolved to this checkout's sources as a user's
 * node_modules would resolve them to the package. Returns tsc's output ('' when clean).
 */
export function typecheck(dir: string, files: readonly string[]): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    `${dir}/tsconfig.json`,
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2023'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [`${ROOT}/node_modules/@types`],
        paths: { cqlwire: [`${ROOT}/src/index.ts`], 'cqlwire/mapper': [`${ROOT}/src/mapper/index.ts`] },
        allowImportingTsExtensions: true,
      },
      files: [...files],
    }),
  );
  try {
    execFileSync(process.execPath, [`${ROOT}/node_modules/typescript/bin/tsc`, '-p', `${dir}/tsconfig.json`], { encoding: 'utf8' });
    return '';
  } catch (err) {
    return String((err as { stdout?: string }).stdout ?? err);
  }
}
