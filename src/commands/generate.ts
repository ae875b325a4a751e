// `cqlwire generate`: argument parsing and file handling around generateTypes.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '../client.js';
import { generateTypes } from '../mapper/generate.js';

const USAGE = `usage: cqlwire generate --contact-point HOST[:PORT] --keyspace KS [--table T ...] --out FILE
                        [--naming preserve|camelCase] [--username U] [--local-dc DC] [--check]
  Writes a TypeScript module typed from the live schema of KS. With --check, writes nothing and
  exits 1 when FILE differs from what would be generated (stale), 0 when it is current.
  The password is read from CQLWIRE_PASSWORD.`;

/** Outcome of one run: the exit code and what to print. */
export interface CliResult {
  /** Process exit code: 0 ok, 1 stale (--check), 2 usage or connection error. */
  readonly code: number;
  /** Lines for stdout. */
  readonly out: readonly string[];
  /** Lines for stderr. */
  readonly err: readonly string[];
}

/** Run `cqlwire generate` with its arguments (after the subcommand); never exits the process. */
export async function runGenerate(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        'contact-point': { type: 'string', multiple: true },
        keyspace: { type: 'string' },
        table: { type: 'string', multiple: true },
        out: { type: 'string' },
        naming: { type: 'string' },
        username: { type: 'string' },
        'local-dc': { type: 'string' },
        check: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    return { code: 2, out: [], err: [String((err as Error).message), USAGE] };
  }
  if (values.help) return { code: 0, out: [USAGE], err: [] };
  const naming = values.naming ?? 'preserve';
  if (!values.keyspace || !values.out || (naming !== 'preserve' && naming !== 'camelCase')) return { code: 2, out: [], err: [USAGE] };
  const contactPoints = values['contact-point'] ?? ['127.0.0.1:9042'];
  let text: string;
  try {
    await using client = await Client.connect({
      contactPoints,
      ...(values.username ? { credentials: { username: values.username, password: env.CQLWIRE_PASSWORD ?? '' } } : {}),
      ...(values['local-dc'] ? { localDataCenter: values['local-dc'] } : {}),
    });
    text = await generateTypes(client, { keyspace: values.keyspace, ...(values.table ? { tables: values.table } : {}), naming });
  } catch (err) {
    return { code: 2, out: [], err: [`cqlwire generate: ${(err as Error).message}`] };
  }
  if (values.check) {
    let current: string | undefined;
    try {
      current = readFileSync(values.out, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === text) return { code: 0, out: [`${values.out} is up to date with keyspace ${values.keyspace}`], err: [] };
    return { code: 1, out: [], err: [`${values.out} is stale against keyspace ${values.keyspace}: ${firstDifference(current, text)}; run cqlwire generate without --check`] };
  }
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(values.out, text);
  return { code: 0, out: [`wrote ${values.out}`], err: [] };
}

/** Where two versions first differ, as a line number and both lines (enough to see what drifted). */
function firstDifference(current: string | undefined, next: string): string {
  if (current === undefined) return 'the file does not exist';
  const a = current.split('\n');
  const b = next.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `line ${i + 1} is ${JSON.stringify(a[i] ?? '')}, the schema gives ${JSON.stringify(b[i] ?? '')}`;
  }
  return 'they differ';
}
