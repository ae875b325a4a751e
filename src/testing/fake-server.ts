// A scriptable, in-process CQL server for tests: speaks protocol v4 and v5 (segments, LZ4)
// through protocol/, answers what a driver needs to connect, records every request, and
// injects faults a real Cassandra cannot produce on demand.
import { createHash, randomUUID } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import {
  DataTypes,
  ErrorCode,
  FrameDecoder,
  Opcode,
  ProtocolError,
  SegmentDecoder,
  Writer,
  compressV4Body,
  decodeRequest,
  encodeSegments,
  errorKindOf,
  lz4Compressor,
  rowsResultFromValues,
  writeResponseFrame,
  type ColumnSpec,
  type Compressor,
  type CustomPayload,
  type DataType,
  type Frame,
  type Request,
  type Response,
  type ResponsePreamble,
  type ServerErrorInfo,
} from '../../protocol/index.js';

/** The `PasswordAuthenticator` class name Cassandra announces in AUTHENTICATE. */
export const PASSWORD_AUTHENTICATOR = 'org.apache.cassandra.auth.PasswordAuthenticator';

/** A request as the fake server received and decoded it. */
export interface ReceivedRequest {
  /** Index of the connection it arrived on (0 for the first accepted connection). */
  readonly connection: number;
  /** 1-based position among every request the server received. */
  readonly seq: number;
  /** `performance.now()` when it was decoded. */
  readonly receivedAt: number;
  /** Protocol version of its frame. */
  readonly version: 4 | 5;
  /** Stream id the client chose. */
  readonly stream: number;
  /** Opcode ({@link Opcode}). */
  readonly opcode: number;
  /** Whether the frame asked for tracing. */
  readonly tracing: boolean;
  /** Custom payload of the frame, if any. */
  readonly customPayload?: Readonly<Record<string, Buffer | null>>;
  /** The decoded message. */
  readonly message: Request;
  /**
   * CQL text the request is about: QUERY and PREPARE text, the prepared text of an EXECUTE
   * (when the id is known), the statements of a BATCH joined with `"; "`.
   */
  readonly query?: string;
}

/**
 * What the server answers to a QUERY, PREPARE, EXECUTE or BATCH: any response message with
 * an optional envelope (tracing id, warnings, custom payload).
 */
export interface FakeReply {
  /** The response message. */
  readonly response: Response;
  /** Tracing id, warnings and custom payload to send with it. */
  readonly envelope?: ResponsePreamble;
}

/** A column of a canned Rows result. */
export interface FakeColumn {
  /** Column name. */
  readonly name: string;
  /** CQL type. */
  readonly type: DataType;
}

/** A VOID result. */
export function voidReply(envelope?: ResponsePreamble): FakeReply {
  return { response: { opcode: Opcode.RESULT, result: { kind: 'void' } }, envelope };
}

/**
 * A Rows result from JS values (encoded with the protocol's codecs for each column's type).
 * `pagingState` marks more pages.
 */
export function rowsReply(
  columns: readonly FakeColumn[],
  rows: readonly (readonly unknown[])[],
  options: { readonly keyspace?: string; readonly table?: string; readonly pagingState?: Buffer; readonly envelope?: ResponsePreamble } = {},
): FakeReply {
  const keyspace = options.keyspace ?? 'ks';
  const table = options.table ?? 'tbl';
  const specs: ColumnSpec[] = columns.map((c) => ({ keyspace, table, name: c.name, type: c.type }));
  const result = rowsResultFromValues({ columnCount: specs.length, columns: specs, pagingState: options.pagingState }, rows);
  return { response: { opcode: Opcode.RESULT, result }, envelope: options.envelope };
}

/**
 * A canned answer (for {@link FakeServer.when}) that pages `rows` like Cassandra: each QUERY or
 * EXECUTE gets at most its `pageSize` rows (default all) from where its paging state points,
 * and a paging state while more remain. The paging state is the next row offset as 4 bytes.
 */
export function pagedReply(columns: readonly FakeColumn[], rows: readonly (readonly unknown[])[]): (request: ReceivedRequest) => FakeReply {
  return (request) => {
    const m = request.message;
    const params = m.opcode === Opcode.QUERY || m.opcode === Opcode.EXECUTE ? m.params : undefined;
    const state = params?.pagingState;
    const from = state !== undefined && state.length === 4 ? state.readUInt32BE(0) : 0;
    const size = params?.pageSize !== undefined && params.pageSize > 0 ? params.pageSize : rows.length;
    const to = Math.min(rows.length, from + size);
    let pagingState: Buffer | undefined;
    if (to < rows.length) {
      pagingState = Buffer.alloc(4);
      pagingState.writeUInt32BE(to, 0);
    }
    return rowsReply(columns, rows.slice(from, to), { pagingState });
  };
}

/** An ERROR reply carrying `info` (its `kind` must match its `code`; see {@link errorInfo}). */
export function errorReply(info: ServerErrorInfo, envelope?: ResponsePreamble): FakeReply {
  return { response: { opcode: Opcode.ERROR, error: info }, envelope };
}

/**
 * A code-and-message-only error ({@link ErrorCode} values such as OVERLOADED, IS_BOOTSTRAPPING,
 * SERVER_ERROR, PROTOCOL_ERROR, SYNTAX_ERROR, INVALID...). For codes with typed fields
 * (UNAVAILABLE, READ_TIMEOUT, ...) build the {@link ServerErrorInfo} yourself.
 */
export function errorInfo(code: number, message = `fake error 0x${code.toString(16)}`): ServerErrorInfo {
  const kind = errorKindOf(code);
  if (kind !== 'generic') throw new TypeError(`error code 0x${code.toString(16)} has typed fields (kind '${kind}'); build the ServerErrorInfo`);
  return { kind, code, message };
}

/** What a fault rule does to the request it matches. */
export type FaultAction =
  /** Answer normally, `ms` milliseconds later. */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Never answer. */
  | { readonly kind: 'noReply' }
  /** Close the socket gracefully (FIN) instead of answering. */
  | { readonly kind: 'close' }
  /** Reset the socket (RST) instead of answering. */
  | { readonly kind: 'reset' }
  /** Write the first half of the answer's bytes, then close the socket. */
  | { readonly kind: 'halfFrame' }
  /** v5 segments only: flip a bit of the answer's payload CRC32. */
  | { readonly kind: 'corruptCrc' }
  /** Answer with this reply (typically {@link errorReply}) instead of the normal one. */
  | { readonly kind: 'reply'; readonly reply: FakeReply }
  /** Answer on another stream id: `stream`, or the request's id + 1 when absent. */
  | { readonly kind: 'wrongStream'; readonly stream?: number }
  /** Answer twice on the request's stream id. */
  | { readonly kind: 'duplicateStream' }
  /** Send a frame header declaring a body of `length` bytes (default 2 GiB), then nothing more. */
  | { readonly kind: 'hugeLength'; readonly length?: number }
  /**
   * Answer on the request's stream with a frame of this opcode (default RESULT) and these body
   * bytes, framed like any answer (segments, compression): e.g. a malformed or truncated body.
   */
  | { readonly kind: 'rawBody'; readonly body: Uint8Array; readonly opcode?: number; readonly flags?: number };

/**
 * A fault rule: when every given criterion matches a request, `action` replaces the normal
 * answer. Rules are tried in the order added; the first that matches wins.
 */
export interface FaultRule {
  /** Only requests with this opcode ({@link Opcode}). */
  readonly opcode?: number;
  /** Only requests whose {@link ReceivedRequest.query} equals this text or matches this pattern. */
  readonly query?: string | RegExp;
  /** Only requests on this connection index (0-based, in accept order). */
  readonly connection?: number;
  /** Only the nth request (1-based) among those matching the other criteria. */
  readonly nth?: number;
  /** Only requests for which this returns true (evaluated after the other criteria). */
  readonly predicate?: (request: ReceivedRequest) => boolean;
  /** Apply at most this many times (default: unlimited). */
  readonly times?: number;
  /** What to do. */
  readonly action: FaultAction;
}

/** A rule added to a running server; `remove()` takes it out again. */
export interface FaultRuleHandle {
  /** How many times the rule was applied so far. */
  readonly applied: number;
  /** Stop applying the rule. */
  remove(): void;
}

/** Decides the answer to a QUERY/PREPARE/EXECUTE/BATCH; `undefined` falls back to canned answers and defaults. */
export type FakeHandler = (request: ReceivedRequest) => FakeReply | undefined | Promise<FakeReply | undefined>;

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

/** A node listed in `system.peers` / `system.peers_v2`. */
export interface FakePeer {
  /** Address clients connect to (`native_address` / `rpc_address`, and `peer`). */
  readonly address: string;
  /** Native port (`native_port` of peers_v2; peers v1 has no port column). */
  readonly port: number;
  /** `data_center`. Default `datacenter1`. */
  readonly dataCenter?: string;
  /** `rack`. Default `rack1`. */
  readonly rack?: string;
  /** `host_id`. Default a random UUID. */
  readonly hostId?: string;
  /** `tokens`. Default none. */
  readonly tokens?: readonly string[];
  /** `release_version`. Default `5.0.9`. */
  readonly releaseVersion?: string;
}

/** The node identity the server reports in `system.local`. */
export interface FakeLocalInfo {
  /** `cluster_name`. */
  readonly clusterName: string;
  /** `data_center`. */
  readonly dataCenter: string;
  /** `rack`. */
  readonly rack: string;
  /** `release_version`. */
  readonly releaseVersion: string;
  /** `host_id` (UUID text). Default a random UUID. */
  readonly hostId: string;
  /** `tokens`. */
  readonly tokens: readonly string[];
  /** `partitioner`. */
  readonly partitioner: string;
}

interface RuleState {
  readonly rule: FaultRule;
  matched: number;
  applied: number;
  removed: boolean;
}

/**
 * One accepted client connection of a {@link FakeServer}: its negotiated state and the shape
 * of the bytes the client wrote.
 */
export class FakeConnection {
  /** Protocol version of the client's first frame, once known. */
  version: 4 | 5 | undefined;
  /** STARTUP options the client sent, once received. */
  startupOptions: Readonly<Record<string, string>> | undefined;
  /** True once the client authenticated (or when no authentication is required, after STARTUP). */
  authenticated = false;
  /**
   * One entry per socket `'data'` event: bytes received and how many whole frames they
   * completed (shows write coalescing on the client side).
   */
  readonly chunks: { readonly bytes: number; readonly frames: number }[] = [];
  /** Whether the socket is closed. */
  closed = false;

  /** @internal */
  decoder: FrameDecoder | SegmentDecoder = new FrameDecoder();
  /** @internal */
  segments = false;
  /** @internal */
  compressor: Compressor | undefined;
  /** @internal Segment framing to switch to once the STARTUP answer is out (v5). */
  pendingSegmentSwitch: { compressor: Compressor | undefined } | undefined;

  constructor(
    /** 0-based accept order. */
    readonly index: number,
    /** The server side of the socket (a TLSSocket when the server serves TLS). */
    readonly socket: net.Socket,
    /** The TCP socket underneath (the same as {@link socket} without TLS). */
    readonly tcp: net.Socket = socket,
  ) {}

  /** Send a server-initiated EVENT (stream -1). */
  sendEvent(event: Response): void {
    if (event.opcode !== Opcode.EVENT) throw new TypeError('sendEvent expects an EVENT message');
    this.write(this.encode(-1, { response: event }));
  }

  /**
   * Send a frame with any stream id, opcode and body bytes (not validated), framed like any
   * answer (v5 segments, v4 compression): e.g. a malformed EVENT on stream -1.
   */
  sendFrame(stream: number, opcode: number, body: Uint8Array, flags = 0): void {
    const frame = Buffer.alloc(9 + body.length);
    frame[0] = 0x80 | (this.version ?? 4);
    frame[1] = flags;
    frame.writeInt16BE(stream, 2);
    frame[4] = opcode;
    frame.writeUInt32BE(body.length, 5);
    frame.set(body, 9);
    this.write(this.frameBytes(frame));
  }

  /** Close gracefully (FIN). */
  close(): void {
    this.socket.end();
  }

  /** Reset the connection (RST). */
  reset(): void {
    this.tcp.resetAndDestroy();
  }

  /** @internal Encode one response frame the way this connection currently frames them. */
  encode(stream: number, reply: FakeReply): Buffer {
    const version = this.version ?? 4;
    const w = new Writer(256);
    writeResponseFrame(w, version, stream, reply.response, reply.envelope);
    return this.frameBytes(Buffer.from(w.finish()));
  }

  /** @internal Wrap one encoded, uncompressed frame for the wire: v5 segments or v4 compression. */
  frameBytes(encoded: Buffer): Buffer {
    const version = this.version ?? 4;
    let frame = encoded;
    if (this.segments) {
      const segments = encodeSegments(frame, { compressor: this.compressor });
      return segments.length === 1 ? segments[0]! : Buffer.concat(segments);
    }
    if (this.compressor !== undefined && version === 4) {
      const body = compressV4Body(this.compressor, frame.subarray(9));
      const header = Buffer.from(frame.subarray(0, 9));
      header[1] = header[1]! | 0x01;
      header.writeInt32BE(body.length, 5);
      frame = Buffer.concat([header, body]);
    }
    return frame;
  }

  /** @internal */
  write(bytes: Buffer): void {
    if (!this.closed && !this.socket.destroyed) this.socket.write(bytes);
  }
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
  readonly requests: ReceivedRequest[] = [];
  /** Every connection accepted, in accept order (closed ones included). */
  readonly connections: FakeConnection[] = [];
  /** Scripted answers; replace at any time. */
  handler: FakeHandler | undefined;

  private readonly server: net.Server;
  private readonly mutableOptions: { -readonly [K in keyof FakeServerOptions]: FakeServerOptions[K] };
  private readonly rules: RuleState[] = [];
  private readonly canned: { match: string | RegExp; reply: FakeReply | ((r: ReceivedRequest) => FakeReply) }[] = [];
  private readonly prepared = new Map<string, string>();
  private readonly statements: { match: string | RegExp; spec: { readonly variables?: readonly FakeColumn[]; readonly columns?: readonly FakeColumn[] } }[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly local: FakeLocalInfo;
  private readonly peerIds = new Map<string, string>();
  private seq = 0;
  private boundAddress = '';
  private boundPort = 0;
  private closing: Promise<void> | null = null;

  private get options(): FakeServerOptions {
    return this.mutableOptions;
  }

  private constructor(options: FakeServerOptions) {
    this.mutableOptions = { ...options };
    this.handler = options.handler;
    for (const r of options.rules ?? []) this.rules.push({ rule: r, matched: 0, applied: 0, removed: false });
    this.local = {
      clusterName: 'fake cluster',
      dataCenter: 'datacenter1',
      rack: 'rack1',
      releaseVersion: '5.0.9',
      hostId: randomUUID(),
      tokens: ['0'],
      partitioner: 'org.apache.cassandra.dht.Murmur3Partitioner',
      ...options.local,
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
    for (let i = 0; i < count; i++) {
      const o = options(i);
      // Evenly spaced Murmur3 tokens, one per node, unless given.
      const token = String(-(2n ** 63n) + (2n ** 64n / BigInt(count)) * BigInt(i));
      servers.push(await FakeServer.start({ ...o, local: { tokens: [token], ...o.local }, peers: [] }));
    }
    const ids = servers.map((s) => s.local.hostId);
    for (const [i, s] of servers.entries()) {
      const others = servers.flatMap((o, j) => (j === i ? [] : [{ address: o.address, port: o.port, hostId: ids[j], dataCenter: o.local.dataCenter, rack: o.local.rack, tokens: o.local.tokens }]));
      s.mutableOptions.peers = others;
    }
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
    return this.requests.filter((r) => r.opcode === opcode);
  }

  /**
   * Answer QUERY / EXECUTE (and BATCH, by joined text) whose CQL text equals `match` or matches
   * the pattern with `reply` (or what the function returns). Later calls take precedence.
   */
  when(match: string | RegExp, reply: FakeReply | ((request: ReceivedRequest) => FakeReply)): this {
    this.canned.unshift({ match, reply });
    return this;
  }

  /**
   * Declare the bind markers (and result columns) PREPARE reports for statements whose text
   * equals `match` or matches the pattern. Undeclared statements get one `blob` marker per `?`
   * and no result columns.
   */
  statement(match: string | RegExp, spec: { readonly variables?: readonly FakeColumn[]; readonly columns?: readonly FakeColumn[] }): this {
    this.statements.unshift({ match, spec });
    return this;
  }

  /** Add a fault rule. */
  addRule(rule: FaultRule): FaultRuleHandle {
    const state: RuleState = { rule, matched: 0, applied: 0, removed: false };
    this.rules.push(state);
    return {
      get applied() {
        return state.applied;
      },
      remove: () => {
        state.removed = true;
      },
    };
  }

  /** Remove every fault rule. */
  clearRules(): void {
    for (const r of this.rules) r.removed = true;
    this.rules.length = 0;
  }

  /** Forget every prepared statement: EXECUTE then answers UNPREPARED, as after a node restart. */
  forgetPrepared(): void {
    this.prepared.clear();
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

  // ---------------------------------------------------------------- connections

  private accept(socket: net.Socket, tcp: net.Socket): void {
    const conn = new FakeConnection(this.connections.length, socket, tcp);
    this.connections.push(conn);
    tcp.setNoDelay(true);
    // A client refusing the certificate fails the TLS handshake: the client's business.
    if (socket !== tcp) tcp.on('error', () => undefined);
    socket.on('error', () => undefined); // resets by the client are part of the game
    socket.on('close', () => {
      conn.closed = true;
    });
    socket.on('data', (chunk: Buffer) => this.onData(conn, chunk));
  }

  private onData(conn: FakeConnection, chunk: Buffer): void {
    if (conn.closed) return;
    const frames: Frame[] = [];
    try {
      if (conn.version === undefined && chunk.length > 0) {
        const v = chunk[0]! & 0x7f;
        if (v !== 4 && v !== 5) {
          // Like Cassandra: refuse an unknown version in the version the server prefers.
          this.refuseVersion(conn, v, chunk.length >= 4 ? chunk.readInt16BE(2) : 0);
          return;
        }
      }
      conn.decoder.push(chunk);
      let f: Frame | null;
      while ((f = conn.decoder.next()) !== null) {
        frames.push(f);
        // STARTUP switches v5 to segments: decode what follows with the segment decoder.
        if (f.opcode === Opcode.STARTUP && f.version === 5 && this.accepts(5) && !conn.segments) {
          const rest = (conn.decoder as FrameDecoder).takeBuffered();
          this.startSegments(conn, f);
          for (const b of rest) conn.decoder.push(b);
        }
      }
    } catch (err) {
      // Malformed client bytes: answer nothing more on this connection.
      conn.chunks.push({ bytes: chunk.length, frames: frames.length });
      for (const f of frames) this.onFrame(conn, f);
      conn.closed = true;
      conn.socket.destroy(err instanceof ProtocolError ? undefined : (err as Error));
      return;
    }
    conn.chunks.push({ bytes: chunk.length, frames: frames.length });
    for (const f of frames) this.onFrame(conn, f);
  }

  private startSegments(conn: FakeConnection, startup: Frame): void {
    const compression = this.peekCompression(startup);
    conn.decoder = new SegmentDecoder({ compressor: compression });
    conn.pendingSegmentSwitch = { compressor: compression };
  }

  private peekCompression(startup: Frame): Compressor | undefined {
    try {
      const m = decodeRequest(startup).message;
      if (m.opcode === Opcode.STARTUP && m.options['COMPRESSION'] === 'lz4') return this.options.compressor ?? lz4Compressor;
    } catch {
      // answered as a protocol error later
    }
    return undefined;
  }

  private accepts(version: number): boolean {
    return (this.options.versions ?? [4, 5]).includes(version as 4 | 5);
  }

  private refuseVersion(conn: FakeConnection, version: number, stream: number): void {
    const supported = this.options.versions ?? [4, 5];
    const answerVersion = Math.max(...supported) as 4 | 5;
    const list = supported.map((v) => `${v}/v${v}`).join(', ');
    const w = new Writer(128);
    writeResponseFrame(w, answerVersion, stream, {
      opcode: Opcode.ERROR,
      error: { kind: 'generic', code: ErrorCode.PROTOCOL_ERROR, message: `Invalid or unsupported protocol version (${version}); supported versions are (${list})` },
    });
    conn.closed = true;
    conn.socket.end(Buffer.from(w.finish()));
  }

  private onFrame(conn: FakeConnection, frame: Frame): void {
    const version = frame.version as 4 | 5;
    if (conn.version === undefined) {
      if (!this.accepts(version)) {
        this.refuseVersion(conn, version, frame.stream);
        return;
      }
      conn.version = version;
    }
    let decoded;
    try {
      decoded = decodeRequest(frame);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      conn.write(conn.encode(frame.stream, errorReply({ kind: 'generic', code: ErrorCode.PROTOCOL_ERROR, message })));
      return;
    }
    const m = decoded.message;
    let query: string | undefined;
    if (m.opcode === Opcode.QUERY || m.opcode === Opcode.PREPARE) query = m.query;
    else if (m.opcode === Opcode.EXECUTE) query = this.prepared.get(m.queryId.toString('hex'));
    else if (m.opcode === Opcode.BATCH) {
      query = m.statements.map((s) => (s.kind === 'query' ? s.query : (this.prepared.get(s.id.toString('hex')) ?? '?'))).join('; ');
    }
    const req: ReceivedRequest = {
      connection: conn.index,
      seq: ++this.seq,
      receivedAt: performance.now(),
      version,
      stream: frame.stream,
      opcode: frame.opcode,
      tracing: decoded.tracing,
      ...(decoded.customPayload !== undefined ? { customPayload: decoded.customPayload } : {}),
      message: m,
      ...(query !== undefined ? { query } : {}),
    };
    this.requests.push(req);
    const rule = this.matchRule(req);
    if (rule !== undefined) {
      this.applyFault(conn, req, rule.action);
      return;
    }
    void this.answer(conn, req);
  }

  private matchRule(req: ReceivedRequest): FaultRule | undefined {
    for (const s of this.rules) {
      const r = s.rule;
      if (s.removed) continue;
      if (r.times !== undefined && s.applied >= r.times) continue;
      if (r.opcode !== undefined && r.opcode !== req.opcode) continue;
      if (r.connection !== undefined && r.connection !== req.connection) continue;
      if (r.query !== undefined) {
        if (req.query === undefined) continue;
        if (typeof r.query === 'string' ? r.query !== req.query : !r.query.test(req.query)) continue;
      }
      if (r.predicate !== undefined && !r.predicate(req)) continue;
      s.matched++;
      if (r.nth !== undefined && s.matched !== r.nth) continue;
      s.applied++;
      return r;
    }
    return undefined;
  }

  private applyFault(conn: FakeConnection, req: ReceivedRequest, action: FaultAction): void {
    switch (action.kind) {
      case 'delay': {
        const t = setTimeout(() => {
          this.timers.delete(t);
          void this.answer(conn, req);
        }, action.ms);
        this.timers.add(t);
        return;
      }
      case 'noReply':
        return;
      case 'close':
        conn.closed = true;
        conn.socket.end();
        return;
      case 'reset':
        conn.closed = true;
        conn.reset();
        return;
      case 'reply':
        this.send(conn, req.stream, action.reply);
        return;
      default:
        void this.answer(conn, req, action);
    }
  }

  /** Compute the normal answer, then send it (transformed by `fault` when given). */
  private async answer(conn: FakeConnection, req: ReceivedRequest, fault?: FaultAction): Promise<void> {
    let reply: FakeReply;
    try {
      reply = await this.replyTo(conn, req);
    } catch (err) {
      reply = errorReply({ kind: 'generic', code: ErrorCode.SERVER_ERROR, message: `fake server handler failed: ${err instanceof Error ? err.message : String(err)}` });
    }
    if (conn.closed) return;
    if (fault === undefined) {
      this.send(conn, req.stream, reply);
    } else {
      this.sendFaulty(conn, req, reply, fault);
    }
    this.afterReply(conn, req);
  }

  private send(conn: FakeConnection, stream: number, reply: FakeReply): void {
    conn.write(conn.encode(stream, reply));
  }

  private sendFaulty(conn: FakeConnection, req: ReceivedRequest, reply: FakeReply, fault: FaultAction): void {
    switch (fault.kind) {
      case 'halfFrame': {
        const bytes = conn.encode(req.stream, reply);
        conn.closed = true;
        conn.socket.end(bytes.subarray(0, Math.max(1, bytes.length >> 1)));
        return;
      }
      case 'corruptCrc': {
        const bytes = Buffer.from(conn.encode(req.stream, reply));
        if (conn.segments) bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0x01;
        conn.write(bytes);
        return;
      }
      case 'wrongStream':
        conn.write(conn.encode(fault.stream ?? req.stream + 1, reply));
        return;
      case 'duplicateStream':
        conn.write(conn.encode(req.stream, reply));
        conn.write(conn.encode(req.stream, reply));
        return;
      case 'hugeLength': {
        const header = Buffer.alloc(9);
        header[0] = 0x80 | (conn.version ?? 4);
        header.writeInt16BE(req.stream, 2);
        header[4] = Opcode.RESULT;
        header.writeUInt32BE((fault.length ?? 2 ** 31) >>> 0, 5);
        const bytes = conn.segments ? encodeSegments(header, { compressor: conn.compressor })[0]! : header;
        conn.write(bytes);
        return;
      }
      case 'rawBody':
        conn.sendFrame(req.stream, fault.opcode ?? Opcode.RESULT, fault.body, fault.flags ?? 0);
        return;
      default:
        this.send(conn, req.stream, reply);
    }
  }

  /** Connection state changes that follow an answer (v5 segments and v4 compression after STARTUP). */
  private afterReply(conn: FakeConnection, req: ReceivedRequest): void {
    if (req.opcode !== Opcode.STARTUP) return;
    const sw = conn.pendingSegmentSwitch;
    if (conn.version === 5 && sw !== undefined) {
      conn.pendingSegmentSwitch = undefined;
      conn.segments = true;
      conn.compressor = sw.compressor;
    } else if (conn.version === 4 && conn.startupOptions?.['COMPRESSION'] === 'lz4') {
      // Inbound compressed v4 frames are decompressed by the frame decoder from now on.
      (conn.decoder as FrameDecoder).setCompressor(this.options.compressor ?? lz4Compressor);
    }
  }

  private async replyTo(conn: FakeConnection, req: ReceivedRequest): Promise<FakeReply> {
    const m = req.message;
    switch (m.opcode) {
      case Opcode.OPTIONS:
        return {
          response: {
            opcode: Opcode.SUPPORTED,
            options: {
              CQL_VERSION: ['3.4.7'],
              COMPRESSION: [...(this.options.compression ?? ['lz4'])],
              PROTOCOL_VERSIONS: (this.options.versions ?? [4, 5]).map((v) => `${v}/v${v}`),
            },
          },
        };
      case Opcode.STARTUP: {
        conn.startupOptions = m.options;
        const c = m.options['COMPRESSION'];
        if (c !== undefined && !(c === 'lz4' && (this.options.compression ?? ['lz4']).includes('lz4'))) {
          conn.pendingSegmentSwitch = undefined;
          return errorReply({ kind: 'generic', code: ErrorCode.PROTOCOL_ERROR, message: `Unknown compression algorithm: ${c}` });
        }
        // v4: Cassandra compresses from the answer to STARTUP on.
        if (conn.version === 4 && c === 'lz4') conn.compressor = this.options.compressor ?? lz4Compressor;
        if (this.options.credentials) return { response: { opcode: Opcode.AUTHENTICATE, authenticator: PASSWORD_AUTHENTICATOR } };
        conn.authenticated = true;
        return { response: { opcode: Opcode.READY } };
      }
      case Opcode.AUTH_RESPONSE: {
        const creds = this.options.credentials;
        const token = m.token ?? Buffer.alloc(0);
        const parts = token.toString('utf8').split('\0');
        if (creds && parts.length === 3 && parts[1] === creds.username && parts[2] === creds.password) {
          conn.authenticated = true;
          return { response: { opcode: Opcode.AUTH_SUCCESS, token: null } };
        }
        return errorReply({ kind: 'generic', code: ErrorCode.AUTHENTICATION_ERROR, message: `Provided username ${parts[1] ?? ''} and/or password are incorrect` });
      }
      case Opcode.REGISTER:
        return { response: { opcode: Opcode.READY } };
      default:
        break;
    }
    if (!conn.authenticated) {
      return errorReply({ kind: 'generic', code: ErrorCode.PROTOCOL_ERROR, message: 'Unexpected message, expecting STARTUP or AUTH_RESPONSE' });
    }
    if (this.handler) {
      const r = await this.handler(req);
      if (r !== undefined) return r;
    }
    if (m.opcode === Opcode.PREPARE) return this.prepare(req, m.query);
    if (m.opcode === Opcode.EXECUTE && req.query === undefined) {
      return errorReply({ kind: 'unprepared', code: ErrorCode.UNPREPARED, message: `Prepared query with ID ${m.queryId.toString('hex')} not found`, id: m.queryId });
    }
    if (m.opcode === Opcode.BATCH) {
      for (const st of m.statements) {
        if (st.kind === 'prepared' && !this.prepared.has(st.id.toString('hex'))) {
          return errorReply({ kind: 'unprepared', code: ErrorCode.UNPREPARED, message: `Prepared query with ID ${st.id.toString('hex')} not found`, id: st.id });
        }
      }
    }
    const text = req.query;
    if (text !== undefined && m.opcode !== Opcode.BATCH) {
      for (const c of this.canned) {
        if (typeof c.match === 'string' ? c.match === text : c.match.test(text)) return typeof c.reply === 'function' ? c.reply(req) : c.reply;
      }
      const builtin = this.builtin(text);
      if (builtin !== undefined) return builtin;
    } else if (text !== undefined) {
      for (const c of this.canned) {
        if (typeof c.match === 'string' ? c.match === text : c.match.test(text)) return typeof c.reply === 'function' ? c.reply(req) : c.reply;
      }
    }
    return voidReply();
  }

  private prepare(req: ReceivedRequest, query: string): FakeReply {
    const id = createHash('md5').update(query).digest();
    this.prepared.set(id.toString('hex'), query);
    const markers = (query.match(/\?/g) ?? []).length;
    const spec = this.statements.find((st) => (typeof st.match === 'string' ? st.match === query : st.match.test(query)))?.spec;
    const toSpec = (c: FakeColumn): ColumnSpec => ({ keyspace: 'ks', table: 'tbl', name: c.name, type: c.type });
    const variables = spec?.variables?.map(toSpec) ?? Array.from({ length: markers }, (_, i) => ({ keyspace: 'ks', table: 'tbl', name: `p${i}`, type: DataTypes.blob }));
    const columns = spec?.columns?.map(toSpec) ?? [];
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

  private builtin(text: string): FakeReply | undefined {
    const use = /^\s*USE\s+("?)([^";\s]+)\1\s*;?\s*$/i.exec(text);
    if (use) return { response: { opcode: Opcode.RESULT, result: { kind: 'setKeyspace', keyspace: use[2]! } } };
    if (/\bFROM\s+system\.local\b/i.test(text)) {
      const l = this.local;
      const address = this.address;
      return rowsReply(
        [
          { name: 'key', type: DataTypes.text },
          { name: 'bootstrapped', type: DataTypes.text },
          { name: 'broadcast_address', type: DataTypes.inet },
          { name: 'cluster_name', type: DataTypes.text },
          { name: 'cql_version', type: DataTypes.text },
          { name: 'data_center', type: DataTypes.text },
          { name: 'host_id', type: DataTypes.uuid },
          { name: 'listen_address', type: DataTypes.inet },
          { name: 'native_protocol_version', type: DataTypes.text },
          { name: 'partitioner', type: DataTypes.text },
          { name: 'rack', type: DataTypes.text },
          { name: 'release_version', type: DataTypes.text },
          { name: 'rpc_address', type: DataTypes.inet },
          { name: 'rpc_port', type: DataTypes.int },
          { name: 'schema_version', type: DataTypes.uuid },
          { name: 'tokens', type: DataTypes.set(DataTypes.text) },
        ],
        [['local', 'COMPLETED', address, l.clusterName, '3.4.7', l.dataCenter, l.hostId, address, '5', l.partitioner, l.rack, l.releaseVersion, address, this.port, '00000000-0000-0000-0000-000000000001', [...l.tokens]]],
        { keyspace: 'system', table: 'local' },
      );
    }
    const peers = /\bFROM\s+system\.(peers_v2|peers)\b/i.exec(text);
    if (peers) {
      const v2 = peers[1] === 'peers_v2';
      if (v2 && this.options.peersV2 === false) {
        return errorReply({ kind: 'generic', code: ErrorCode.INVALID, message: 'unconfigured table peers_v2' });
      }
      const list = this.options.peers ?? [];
      return rowsReply(
        [
          { name: 'peer', type: DataTypes.inet },
          ...(v2 ? [{ name: 'peer_port', type: DataTypes.int }] : []),
          { name: 'data_center', type: DataTypes.text },
          { name: 'host_id', type: DataTypes.uuid },
          { name: v2 ? 'native_address' : 'rpc_address', type: DataTypes.inet },
          ...(v2 ? [{ name: 'native_port', type: DataTypes.int }] : []),
          { name: 'rack', type: DataTypes.text },
          { name: 'release_version', type: DataTypes.text },
          { name: 'schema_version', type: DataTypes.uuid },
          { name: 'tokens', type: DataTypes.set(DataTypes.text) },
        ],
        list.map((p) => [
          p.address,
          ...(v2 ? [p.port] : []),
          p.dataCenter ?? 'datacenter1',
          p.hostId ?? (this.peerIds.get(`${p.address}:${p.port}`) ?? this.peerIds.set(`${p.address}:${p.port}`, randomUUID()).get(`${p.address}:${p.port}`)!),
          p.address,
          ...(v2 ? [p.port] : []),
          p.rack ?? 'rack1',
          p.releaseVersion ?? '5.0.9',
          '00000000-0000-0000-0000-000000000001',
          [...(p.tokens ?? [])],
        ]),
        { keyspace: 'system', table: peers[1] },
      );
    }
    if (/^\s*SELECT\b[\s\S]*\bFROM\s+system_schema\.\w+/i.test(text)) {
      // No user schema: every schema table is empty.
      return { response: { opcode: Opcode.RESULT, result: { kind: 'rows', metadata: { columnCount: 0, columns: [] }, rowCount: 0, rowsContent: Buffer.alloc(0) } } };
    }
    return undefined;
  }
}

// Small helper so a custom payload can be read as text in assertions.
/** The UTF-8 text of `key` in a received custom payload, or undefined. */
export function payloadText(payload: CustomPayload | Readonly<Record<string, Buffer | null>> | undefined, key: string): string | undefined {
  const v = payload?.[key];
  return v === undefined || v === null ? undefined : Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8');
}
