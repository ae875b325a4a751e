#!/usr/bin/env node
// `cqlwire export ks.table --format ndjson > out.ndjson` and `cqlwire import ks.table --format csv
// < in.csv`: the table scan and executeConcurrent from a shell, with a progress line on a
// terminal and an optional checkpoint file that makes an interrupted export resumable.
import { existsSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '../client.js';
import type { ClientOptions, ConsistencyLevel, ScanCheckpoint } from '../session/options.js';
import { exportTable, importTable, type BulkFormat } from '../bulk/export.js';

const USAGE = `usage:
  cqlwire export <keyspace.table> [--format ndjson|csv] [--columns a,b] [--where "v = 1" --allow-filtering]
                 [--parallelism N] [--fetch-size N] [--checkpoint FILE] [connection options] > out
  cqlwire import <keyspace.table> [--format ndjson|csv] [--concurrency N] [connection options] < in
connection options:
  --contact-points h:p,...  (default $CQLWIRE_CONTACT_POINTS or 127.0.0.1:9042)
  --username U --password P (default $CQLWIRE_USERNAME / $CQLWIRE_PASSWORD)
  --dc NAME                 local data center
  --consistency LEVEL       e.g. LOCAL_QUORUM
--checkpoint FILE: the export writes where it is to FILE about once a second (only naming rows
already written out) and, when FILE exists, continues from it: append to the same output (>>).`;

/** Run the CLI with `argv` (without node and the script); resolves with the exit code. */
export async function main(argv: readonly string[], io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream & { isTTY?: boolean } } = process): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        format: { type: 'string', default: 'ndjson' },
        columns: { type: 'string' },
        where: { type: 'string' },
        'allow-filtering': { type: 'boolean' },
        parallelism: { type: 'string' },
        'fetch-size': { type: 'string' },
        concurrency: { type: 'string' },
        checkpoint: { type: 'string' },
        'contact-points': { type: 'string' },
        username: { type: 'string' },
        password: { type: 'string' },
        dc: { type: 'string' },
        consistency: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values: o, positionals } = parsed;
  const [command, target] = positionals;
  if (o.help === true || (command !== 'export' && command !== 'import') || target === undefined || !target.includes('.')) {
    io.stderr.write(`${USAGE}\n`);
    return o.help === true ? 0 : 2;
  }
  const format = o.format as BulkFormat;
  if (format !== 'csv' && format !== 'ndjson') {
    io.stderr.write(`--format must be csv or ndjson\n`);
    return 2;
  }
  const dot = target.indexOf('.');
  const keyspace = target.slice(0, dot);
  const table = target.slice(dot + 1);
  const num = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${v}`);
    return n;
  };
  const username = o.username ?? process.env.CQLWIRE_USERNAME;
  const password = o.password ?? process.env.CQLWIRE_PASSWORD;
  const options: ClientOptions = {
    contactPoints: (o['contact-points'] ?? process.env.CQLWIRE_CONTACT_POINTS ?? '127.0.0.1:9042').split(',').map((s) => s.trim()).filter(Boolean),
    ...(username !== undefined && password !== undefined ? { credentials: { username, password } } : {}),
    ...(o.dc !== undefined ? { localDataCenter: o.dc } : {}),
  };
  const consistency = o.consistency as ConsistencyLevel | undefined;
  const progress = progressLine(io.stderr, command === 'export' ? 'exported' : 'imported');
  let client: Client | undefined;
  try {
    client = await Client.connect(options);
    if (command === 'export') {
      const file = o.checkpoint;
      const resumeFrom = file !== undefined && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ScanCheckpoint) : undefined;
      let rows = 0;
      const total = await exportTable(client, keyspace, table, io.stdout as NodeJS.WritableStream & import('node:stream').Writable, {
        format,
        columns: o.columns?.split(',').map((s) => s.trim()),
        where: o.where,
        allowFiltering: o['allow-filtering'],
        parallelism: num('parallelism', o.parallelism),
        fetchSize: num('fetch-size', o['fetch-size']),
        consistency,
        resumeFrom,
        header: resumeFrom === undefined,
        onCheckpoint: (cp, n) => {
          rows = n;
          progress.update(n);
          if (file !== undefined) {
            // Written whole, then renamed: a crash never leaves half a checkpoint.
            writeFileSync(`${file}.tmp`, JSON.stringify(cp));
            renameSync(`${file}.tmp`, file);
          }
        },
      });
      progress.done(Math.max(rows, total));
    } else {
      const result = await importTable(client, keyspace, table, io.stdin as NodeJS.ReadableStream & import('node:stream').Readable, {
        format,
        concurrency: num('concurrency', o.concurrency),
        consistency,
        progressIntervalMs: 250,
        onProgress: (p) => progress.update(p.succeeded + p.failed),
      });
      progress.done(result.succeeded);
      for (const e of result.errors) io.stderr.write(`record ${e.index + 1}: ${e.error.message}\n`);
      if (result.failed > 0) {
        io.stderr.write(`${result.failed} of ${result.total} records failed\n`);
        return 1;
      }
    }
    return 0;
  } catch (err) {
    progress.done(undefined);
    // The reader went away (`| head`): not a failure of the export.
    if ((err as { code?: unknown }).code === 'EPIPE') return 0;
    io.stderr.write(`cqlwire ${command}: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await client?.close();
  }
}

/** What the `cqlwire` dispatcher (src/cli.ts) expects of a subcommand; output was streamed already. */
export interface CommandResult {
  /** Exit code. */
  readonly code: number;
  /** Lines still to print on stdout (none: export streams its rows). */
  readonly out: readonly string[];
  /** Lines still to print on stderr. */
  readonly err: readonly string[];
}

/** `cqlwire export ...` through the dispatcher. */
export async function runExport(argv: readonly string[]): Promise<CommandResult> {
  return { code: await main(['export', ...argv]), out: [], err: [] };
}

/** `cqlwire import ...` through the dispatcher. */
export async function runImport(argv: readonly string[]): Promise<CommandResult> {
  return { code: await main(['import', ...argv]), out: [], err: [] };
}

/** A progress line, redrawn in place on a terminal; silent otherwise (a log is not a terminal). */
function progressLine(err: NodeJS.WritableStream & { isTTY?: boolean }, verb: string): { update(n: number): void; done(n: number | undefined): void } {
  const tty = err.isTTY === true;
  const t0 = performance.now();
  let last = 0;
  const line = (n: number): string => {
    const s = (performance.now() - t0) / 1000;
    return `${verb} ${n.toLocaleString('en-US')} rows in ${s.toFixed(1)} s (${Math.round(n / Math.max(s, 0.001)).toLocaleString('en-US')} rows/s)`;
  };
  return {
    update(n) {
      if (!tty || performance.now() - last < 200) return;
      last = performance.now();
      err.write(`\r${line(n)}\u001b[K`);
    },
    done(n) {
      if (n === undefined) {
        if (tty) err.write('\n');
        return;
      }
      err.write(tty ? `\r${line(n)}\u001b[K\n` : `${line(n)}\n`);
    },
  };
}

// Run when executed (the package's bin, reached through npm's symlink), not when imported by tests.
if (process.argv[1] !== undefined && existsSync(process.argv[1]) && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
