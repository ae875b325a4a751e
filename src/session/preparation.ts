import { Opcode } from '../../protocol/index.js';
import type { HostRegistry } from '../cluster/registry.js';
import { UnexpectedResponseError } from '../errors/driver-errors.js';
import { log } from '../observability/log.js';
import type { AnsweredRequest } from '../results/page-builder.js';
import type { RequestExecutor } from './execution.js';
import type { PrepareOptions, Profiles } from './options.js';
import { NO_STATEMENTS, PreparedStatement, type PreparedCache } from './prepared.js';

/** What preparing statements needs of the session. */
export interface PreparationContext {
  readonly executor: RequestExecutor;
  readonly registry: HostRegistry;
  readonly profiles: Profiles;
  readonly cache: PreparedCache;
  /** Prepare on every other local up node in the background after the first answer. */
  readonly onAllHosts: boolean;
  /** The session was closed: background work stops. */
  isClosed(): boolean;
}

/**
 * Prepared statements across the cluster: the cache first, else PREPARE through the execution
 * core; then the other local nodes in the background (`prepareOnAllHosts`), and the whole cache
 * again on a node that comes back up (`reprepareOnUp`).
 */
export class Preparation {
  constructor(private readonly ctx: PreparationContext) {}

  /** The cached preparation of `query` in `keyspace`, or a new one (cached; dropped if it fails). */
  statement(query: string, options: PrepareOptions, keyspace: string | undefined): Promise<PreparedStatement> {
    let promise = this.ctx.cache.get(keyspace, query);
    if (!promise) {
      promise = this.onCluster(query, options, keyspace);
      this.ctx.cache.set(keyspace, query, promise);
    }
    return promise;
  }

  /** Prepare every cached statement on one host, one after another (a node that came back up). */
  async cachedOn(hostId: string): Promise<void> {
    for (const cached of this.ctx.cache.values()) {
      if (this.ctx.isClosed()) return;
      try {
        const ps = await cached;
        await this.request(ps.query, { host: hostId, keyspace: ps.keyspace }, true);
      } catch (err) {
        // Best effort: a statement that fails here is re-prepared on UNPREPARED when used.
        log('debug', 'prepare.reprepare-on-up', `preparing a cached statement again on ${hostId} failed (prepared on first use instead)`, hostId, err);
      }
    }
  }

  private async onCluster(query: string, options: PrepareOptions, keyspace: string | undefined): Promise<PreparedStatement> {
    const answer = await this.request(query, options);
    if (this.ctx.onAllHosts) this.onOtherHosts(query, options, answer.response.host);
    const m = answer.response.message;
    if (m.opcode !== Opcode.RESULT || m.result.kind !== 'prepared') throw new UnexpectedResponseError('PREPARE did not return a Prepared result');
    const r = m.result;
    return new PreparedStatement({
      id: r.id,
      query,
      keyspace,
      variables: r.metadata.columns,
      pkIndexes: r.metadata.pkIndexes,
      resultMetadataId: r.resultMetadataId,
      resultMetadata: r.resultMetadata,
    });
  }

  /** @param keyspaceOnV5 send `options.keyspace` on v5 only (v4 cannot carry it; the connection's applies). */
  private request(query: string, options: PrepareOptions, keyspaceOnV5 = false): Promise<AnsweredRequest> {
    return this.ctx.executor.execute({
      kind: 'prepare',
      text: query,
      build: (version) => ({ opcode: Opcode.PREPARE, query, keyspace: keyspaceOnV5 && version < 5 ? undefined : options.keyspace }),
      settings: this.ctx.profiles.resolve(options),
      options: { ...options, idempotent: true },
      routing: undefined,
      prepared: NO_STATEMENTS,
    });
  }

  /**
   * Prepare a statement on every other up node the default policy calls local, in the
   * background: they would otherwise each cost an UNPREPARED round trip on first use.
   */
  private onOtherHosts(query: string, options: PrepareOptions, answeredBy: string): void {
    const policy = this.ctx.profiles.defaults.loadBalancingPolicy;
    for (const h of this.ctx.registry.all()) {
      if (h.id === answeredBy || !h.isUp || (policy.distance?.(h) ?? 'local') !== 'local') continue;
      this.request(query, { ...options, host: h.id }).catch((err: unknown) => log('debug', 'prepare.background', `background prepare on ${h.id} failed (prepared on first use instead): ${query}`, h.id, err));
    }
  }
}
