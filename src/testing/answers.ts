// Answers to QUERY, PREPARE, EXECUTE and BATCH when no handler decides: prepared statements
// the server remembers, canned answers by CQL text, USE, then VOID.
import { createHash } from 'node:crypto';
import { DataTypes, ErrorCode, Opcode } from '../../protocol/index.js';
import { queryMatches, type ReceivedRequest } from './recording.js';
import { columnSpecs, errorReply, voidReply, type FakeColumn, type FakeReply } from './replies.js';

/** Decides the answer to a QUERY/PREPARE/EXECUTE/BATCH; `undefined` falls back to canned answers and defaults. */
export type FakeHandler = (request: ReceivedRequest) => FakeReply | undefined | Promise<FakeReply | undefined>;

/** Bind markers and result columns PREPARE reports for a statement. */
export interface StatementSpec {
  /** Bind markers, in order. */
  readonly variables?: readonly FakeColumn[];
  /** Result columns. */
  readonly columns?: readonly FakeColumn[];
}

/** A canned answer: a fixed reply, or one made from the request. */
export type CannedReply = FakeReply | ((request: ReceivedRequest) => FakeReply);

// What Cassandra answers for a prepared id it does not know (e.g. after a restart).
function unprepared(id: Buffer): FakeReply {
  return errorReply({ kind: 'unprepared', code: ErrorCode.UNPREPARED, message: `Prepared query with ID ${id.toString('hex')} not found`, id });
}

// `USE ks` answers SET_KEYSPACE, as a driver expects.
function useKeyspace(text: string): FakeReply | undefined {
  const use = /^\s*USE\s+("?)([^";\s]+)\1\s*;?\s*$/i.exec(text);
  return use ? { response: { opcode: Opcode.RESULT, result: { kind: 'setKeyspace', keyspace: use[2]! } } } : undefined;
}

/** Canned answers, declared statements and prepared ids of one server. */
export class CannedAnswers {
  private readonly canned: { match: string | RegExp; reply: CannedReply }[] = [];
  private readonly statements: { match: string | RegExp; spec: StatementSpec }[] = [];
  // Prepared id (hex) -> CQL text.
  private readonly prepared = new Map<string, string>();

  /** Answer statements whose text equals or matches `match` with `reply`; later calls take precedence. */
  when(match: string | RegExp, reply: CannedReply): void {
    this.canned.unshift({ match, reply });
  }

  /** Declare what PREPARE reports for statements whose text equals or matches `match`; later calls take precedence. */
  statement(match: string | RegExp, spec: StatementSpec): void {
    this.statements.unshift({ match, spec });
  }

  /** Forget every prepared id. */
  forgetPrepared(): void {
    this.prepared.clear();
  }

  /** The CQL text prepared under `id`, if known. */
  preparedText(id: Buffer): string | undefined {
    return this.prepared.get(id.toString('hex'));
  }

  /**
   * The answer to an authenticated QUERY, PREPARE, EXECUTE or BATCH no handler answered;
   * `builtin` answers the system tables (not asked for BATCH).
   */
  reply(req: ReceivedRequest, builtin: (text: string) => FakeReply | undefined): FakeReply {
    const m = req.message;
    if (m.opcode === Opcode.PREPARE) return this.prepare(req, m.query);
    if (m.opcode === Opcode.EXECUTE && req.query === undefined) return unprepared(m.queryId);
    if (m.opcode === Opcode.BATCH) {
      for (const st of m.statements) {
        if (st.kind === 'prepared' && !this.prepared.has(st.id.toString('hex'))) return unprepared(st.id);
      }
    }
    const text = req.query;
    if (text === undefined) return voidReply();
    const canned = this.canned.find((c) => queryMatches(c.match, text));
    if (canned !== undefined) return typeof canned.reply === 'function' ? canned.reply(req) : canned.reply;
    if (m.opcode === Opcode.BATCH) return voidReply();
    return useKeyspace(text) ?? builtin(text) ?? voidReply();
  }

  private prepare(req: ReceivedRequest, query: string): FakeReply {
    const id = createHash('md5').update(query).digest();
    this.prepared.set(id.toString('hex'), query);
    const markers = (query.match(/\?/g) ?? []).length;
    const spec = this.statements.find((st) => queryMatches(st.match, query))?.spec;
    // Undeclared statements: one blob marker per `?`, no result columns.
    const variables = columnSpecs(spec?.variables ?? Array.from({ length: markers }, (_, i) => ({ name: `p${i}`, type: DataTypes.blob })));
    const columns = columnSpecs(spec?.columns ?? []);
    return {
      response: {
        opcode: Opcode.RESULT,
        result: {
          kind: 'prepared',
          id,
          ...(req.version === 5 ? { resultMetadataId: createHash('md5').update(`meta:${query}`).digest() } : {}),
          metadata: { columns: variables, pkIndexes: [] },
          resultMetadata: { columnCount: columns.length, columns },
        },
      },
    };
  }
}
