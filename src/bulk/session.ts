import type { Metadata } from '../cluster/metadata.js';
import type { Host } from '../policies/index.js';
import type { ResultPage, Row } from '../results/page.js';
import type { ExecuteOptions, Params, PrepareOptions } from '../session/options.js';
import type { PreparedStatement } from '../session/prepared.js';

/**
 * What bulk work needs of a client. Narrow on purpose: the client's facade methods call into
 * this layer with `this`, and naming the class here would close an import circle.
 */
export interface BulkSession {
  /** Run one statement, one page. */
  execute<R = Row>(query: string | PreparedStatement, params?: Params | null, options?: ExecuteOptions): Promise<ResultPage<R>>;
  /** One page whose rows are read with `ResultPage.rowReader` and then released. */
  executeLazily<R = Row>(query: string | PreparedStatement, params: Params | undefined, options: ExecuteOptions): Promise<ResultPage<R>>;
  /** Prepare (cached). */
  prepare(query: string, options?: PrepareOptions): Promise<PreparedStatement>;
  /** The hosts the client knows. */
  readonly hosts: readonly Host[];
  /** Schema and token map. */
  readonly metadata: Metadata;
}
