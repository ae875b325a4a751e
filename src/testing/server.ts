// The fake server itself: its options, listening (plain TCP or TLS), accepting connections,
// its scripting API and lifecycle. Each connection is served by a Dispatcher through a narrow context.
import * as net from 'node:net';
import * as tls from 'node:tls';
import { lz4Compressor, type Compressor } from '../../protocol/index.js';
import { CannedAnswers, type FakeHandler } from './answers.js';
import { clusterNodeOptions, linkPeers } from './cluster.js';
import { FakeConnection } from './connection.js';
import { Dispatcher, type DispatchContext } from './dispatch.js';
import { FaultRules, type FaultRule, type FaultRuleHandle } from './faults.js';
import { RequestLog, type ReceivedRequest } from './recording.js';
import type { FakeColumn, FakeReply } from './replies.js';
import { SystemTables, type FakeLocalInfo, type FakePeer } from './system-tables.js';

/** Options of {@link FakeServer.start}. */
export interface FakeServerOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  readonly port?: number;
  /** Address to listen on. Default `127.0.0.1`. */
  readonly host?: string;
  /** Protocol versions accepted. Default `[4, 5]`. Others get Cassandra's PROTOCOL_ERROR. */
  readonly versions?: readonly (4 | 5)[];
  /** Compression algorithms offered in SUPPORTED. Default `['lz4']`. */
  readonly compression?: readonly string[];
  /** Codec used when a client asks for LZ4. Default the pure-TypeScript one. */
  readonly compressor?: Compressor;
  /** Require PasswordAuthenticator SASL PLAIN with these credentials. */
  readonly credentials?: { readonly username: string; readonly password: string };
  /** Scripted answers; see {@link FakeHandler}. */
  readonly handler?: FakeHandler;
  /** Fault rules in force from the start. */
  readonly rules?: readonly FaultRule[];
  /** Values of the `system.local` row (data center, rack, cluster name...). */
  readonly local?: Partial<FakeLocalInfo>;
  /** Other nodes reported in `system.peers` / `system.peers_v2`. Default none. */
  readonly peers?: readonly FakePeer[];
  /** Answer `system.peers_v2` like Cassandra 3.x: INVALID "unconfigured table". Default true. */
  readonly peersV2?: boolean;
  /** Serve TLS with these options (at least `key` and `cert`) instead of plain TCP. */
  readonly tls?: tls.TlsOptions;
}

/**
 * A scriptable CQL server on a local port, for unit tests of drivers:
 *
 * ```ts
 * await using server = await FakeServer.start({ versions: [4] });
 * server.when('SELECT * FROM t', rowsReply([{ name: 'a', type: DataTypes.int }], [[1]]));
 * server.addRule({ opcode: Opcode.QUERY, nth: 2, action: { kind: 'reset' } });
 * const conn = await Connection.open({ host: server.address, port: server.port });
 * ```
 *
 * By default it answers OPTIONS, STARTUP, REGISTER, `USE`, `system.local` / `system.peers`
 * and VOID for every other statement; every request is recorded in {@link requests}.
 */
export class FakeServer {
  /** Every request received, in arrival order. */
  readonly requests: ReceivedRequest[];
  /** Every connection accepted, in accept order (closed ones included). */
  readonly connections: FakeConnection[] = [];
  /** Scripted answers; replace at any time. */
  handler: FakeHandler | undefined;

  private readonly server: net.Server;
  private readonly log = new RequestLog();
  private readonly rules = new FaultRules();
  private readonly answers = new CannedAnswers();
  private readonly tables: SystemTables;
  private readonly context: DispatchContext;
  private readonly timers = new Set<NodeJS.Timeout>();
  private boundAddress = '';
  private boundPort = 0;
  private closing: Promise<void> | null = null;

  private constructor(options: FakeServerOptions) {
    this.requests = this.log.requests;
    this.handler = options.handler;
    for (const r of options.rules ?? []) this.rules.add(r);
    this.tables = new SystemTables(options.local, options.peers, options.peersV2);
    this.context = {
      settings: {
        versions: options.versions ?? [4, 5],
        compression: options.compression ?? ['lz4'],
        compressor: options.compressor ?? lz4Compressor,
        credentials: options.credentials,
      },
      record: (conn, frame, decoded) => this.log.record(conn.index, frame, decoded, (id) => this.answers.preparedText(id)),
      matchRule: (req) => this.rules.match(req),
      handler: () => this.handler,
      defaultReply: (req) => this.answers.reply(req, (text) => this.tables.answer(text, this.address, this.port)),
      later: (ms, fn) => {
        const t = setTimeout(() => {
          this.timers.delete(t);
          fn();
        }, ms);
        this.timers.add(t);
      },
    };
    // TLS is layered on each accepted TCP socket by hand, so faults can still reset the TCP one.
    const secureContext = options.tls ? tls.createSecureContext(options.tls) : undefined;
    this.server = net.createServer((tcp) => {
      if (secureContext === undefined) this.accept(tcp, tcp);
      else this.accept(new tls.TLSSocket(tcp, { isServer: true, secureContext, ...options.tls }), tcp);
    });
  }

  /** Start listening; resolves once the port is bound. */
  static async start(options: FakeServerOptions = {}): Promise<FakeServer> {
    const s = new FakeServer(options);
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      s.server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        s.server.removeListener('error', reject);
        const bound = s.server.address() as net.AddressInfo;
        s.boundAddress = bound.address;
        s.boundPort = bound.port;
        resolve();
      });
    });
    return s;
  }

  /**
   * Start `count` servers on 127.0.0.1 that list each other in `system.peers(_v2)`, like the
   * nodes of one cluster. `options(i)` adds per-node options (peers are filled in).
   */
  static async startCluster(count: number, options: (index: number) => FakeServerOptions = () => ({})): Promise<FakeServer[]> {
    // Bind every port first, then tell each node about the others.
    const servers: FakeServer[] = [];
    for (let i = 0; i < count; i++) servers.push(await FakeServer.start(clusterNodeOptions(count, i, options(i))));
    linkPeers(servers.map((s) => ({ address: s.address, port: s.port, tables: s.tables })));
    return servers;
  }

  /** Port the server listens on (still readable after `close()`). */
  get port(): number {
    return this.boundPort;
  }

  /** Address the server listens on. */
  get address(): string {
    return this.boundAddress;
  }

  /** `address:port`, as a contact point. */
  get contactPoint(): string {
    return `${this.address}:${this.port}`;
  }

  /** Connections currently open. */
  get openConnections(): FakeConnection[] {
    return this.connections.filter((c) => !c.closed);
  }

  /** Requests received with the given opcode. */
  requestsOf(opcode: number): ReceivedRequest[] {
    return this.log.of(opcode);
  }

  /**
   * Answer QUERY / EXECUTE (and BATCH, by joined text) whose CQL text equals `match` or matches
   * the pattern with `reply` (or what the function returns). Later calls take precedence.
   */
  when(match: string | RegExp, reply: FakeReply | ((request: ReceivedRequest) => FakeReply)): this {
    this.answers.when(match, reply);
    return this;
  }

  /**
   * Declare the bind markers (and result columns) PREPARE reports for statements whose text
   * equals `match` or matches the pattern. Undeclared statements get one `blob` marker per `?`
   * and no result columns.
   */
  statement(match: string | RegExp, spec: { readonly variables?: readonly FakeColumn[]; readonly columns?: readonly FakeColumn[] }): this {
    this.answers.statement(match, spec);
    return this;
  }

  /** Add a fault rule. */
  addRule(rule: FaultRule): FaultRuleHandle {
    return this.rules.add(rule);
  }

  /** Remove every fault rule. */
  clearRules(): void {
    this.rules.clear();
  }

  /** Forget every prepared statement: EXECUTE then answers UNPREPARED, as after a node restart. */
  forgetPrepared(): void {
    this.answers.forgetPrepared();
  }

  /** Stop listening, destroy every connection, cancel pending delayed answers. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const c of this.connections) {
      c.closed = true;
      c.socket.destroy();
      c.tcp.destroy();
    }
    this.closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    return this.closing;
  }

  /** `close()`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private accept(socket: net.Socket, tcp: net.Socket): void {
    const conn = new FakeConnection(this.connections.length, socket, tcp);
    this.connections.push(conn);
    const dispatcher = new Dispatcher(this.context, conn);
    tcp.setNoDelay(true);
    // A client refusing the certificate fails the TLS handshake: the client's business.
    if (socket !== tcp) tcp.on('error', () => undefined);
    socket.on('error', () => undefined); // resets by the client are part of the game
    socket.on('close', () => {
      conn.closed = true;
    });
    socket.on('data', (chunk: Buffer) => dispatcher.onData(chunk));
  }
}
