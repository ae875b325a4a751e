import { executeConcurrent, type ConcurrentRun } from './bulk/concurrent.js';
import { scanTable, type TableScan } from './bulk/scan.js';
import type { Row } from './results/page.js';
import type { BatchStatement, ClientOptions, ConcurrentOptions, Params, ScanOptions } from './session/options.js';
import type { PreparedStatement } from './session/prepared.js';
import { Session } from './session/session.js';

/**
 * A client of one Cassandra cluster: connection pools per host, prepared statement cache,
 * retries, paging and metrics (all of {@link Session}), plus bulk work: concurrent execution
 * and parallel table scans. Create with {@link Client.connect}; close with `close()` or
 * `await using`.
 *
 * The bulk operations live here, above the session, because they are built on its public
 * methods only: the session never imports them.
 */
export class Client extends Session {
  private constructor(options: ClientOptions) {
    super(options);
  }

  /**
   * Connect to the cluster: opens the pools of the contact points. Resolves once at least one
   * host is ready; rejects with NoHostAvailableError (each host's cause inside) otherwise.
   */
  static async connect(options: ClientOptions): Promise<Client> {
    // async: a bad option (thrown by the constructor) rejects the promise, it does not throw.
    return Session.start(new Client(options));
  }

  /**
   * Run one statement once per entry of `values` (an array, iterable or async iterable, read
   * as requests complete, so it need not fit in memory) with at most `concurrency` requests in
   * flight; or, with a list of `{ query, params }`, each statement with its own values.
   * Prepared by default. Resolves with totals and the failed inputs' positions.
   */
  executeConcurrent(query: string | PreparedStatement, values: Iterable<Params> | AsyncIterable<Params>, options?: ConcurrentOptions): ConcurrentRun;
  executeConcurrent(statements: Iterable<BatchStatement> | AsyncIterable<BatchStatement>, options?: ConcurrentOptions): ConcurrentRun;
  executeConcurrent(
    a: string | PreparedStatement | Iterable<BatchStatement> | AsyncIterable<BatchStatement>,
    b?: Iterable<Params> | AsyncIterable<Params> | ConcurrentOptions,
    c?: ConcurrentOptions,
  ): ConcurrentRun {
    return executeConcurrent(this, a, b, c);
  }

  /**
   * Every row of a table, read as token-range splits in parallel (each from one of its
   * replicas), delivered with backpressure; `checkpoint()` says where the scan is, for
   * `resumeFrom` after a crash.
   */
  scan<R = Row>(keyspace: string, table: string, options: ScanOptions = {}): TableScan<R> {
    return scanTable<R>(this, keyspace, table, options);
  }
}

