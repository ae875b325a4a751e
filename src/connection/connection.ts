import type * as net from 'node:net';
import type * as tls from 'node:tls';
import { CqlwireError, DEFAULT_MAX_FRAME_SIZE, FrameDecoder, FrameFlag, Opcode, ProtocolError, ProtocolErrorCode, SegmentDecoder, completeDeferredFrame, decodeResponse, decompressV4Body, peekRowsHeader, quoteIdentifier, type Compressor, type Frame, type Request, type Response, type ResponseEnvelope } from '../../protocol/index.js';
import { authenticate, type AuthProvider, type AuthReply } from './auth.js';
import { channels } from '../observability/diagnostics.js';
import { log } from '../observability/log.js';
import { AbortedError, ConnectError, ConnectionClosedError, QueueFullError, RequestTimeoutError, UnexpectedResponseError } from '../errors/driver-errors.js';
import { allocateFrame } from '../buffers/body-pool.js';
import { OffloadedRowsResult, type OffloadPool } from '../offload/pool.js';
import { toServerError } from '../errors/server-errors.js';
import { StreamIdPool } from './stream-ids.js';
import { DeadlineQueue } from './deadlines.js';
import { Heartbeat } from './heartbeat.js';
import { HostResponse, PendingRequest, WaitQueue, defaultMaxQueued, frameBytes, promiseListener, type ConnectionResponse, type ResponseListener, type SendOptions } from './pending.js';
import { FrameWriter } from './frame-writer.js';
import { openSocket } from './socket.js';
import { isVersionRejection, startupOptions } from './handshake.js';

export type { ConnectionResponse, ResponseListener, SendOptions } from './pending.js';

const MAX_STREAMS = 32768;

/** How one connection is opened and behaves. */
export interface ConnectionOptions {
  /** IP address or host name. */
  readonly host: string;
  /** CQL port, default 9042. */
  readonly port?: number;
  /** Pin the protocol version; by default v5 is tried first, then v4. */
  readonly protocolVersion?: 4 | 5;
  /** TLS options; `true` for defaults. Certificate and host name verification are on unless disabled here. */
  readonly tls?: boolean | tls.ConnectionOptions;
  /** SASL authentication. */
  readonly authProvider?: AuthProvider;
  /** Frame/segment compressor (LZ4) or none. */
  readonly compressor?: Compressor | null;
  /** Give up opening the connection after this long. Default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** Default per-request timeout. Default 12000 ms; 0 disables. */
  readonly timeoutMs?: number;
  /** Send OPTIONS when nothing was read for this long. Default 30000 ms; 0 disables. */
  readonly heartbeatIntervalMs?: number;
  /** Requests in flight at most (stream ids, ≤ 32768). Default 32768. */
  readonly maxRequestsPerConnection?: number;
  /**
   * Requests waiting for a stream id at most; past it, requests fail with QueueFullError.
   * Default: what a sixteenth of the heap limit holds at about 4 KB each ({@link defaultMaxQueued}).
   */
  readonly maxQueuedPerConnection?: number;
  /**
   * Close the connection gracefully (the pool opens another) once this many requests timed out
   * or were aborted without their answer ever arriving: their stream ids stay reserved, so a
   * server that drops requests would otherwise use them all up. Default 256.
   */
  readonly maxOrphanedRequests?: number;
  /** Largest frame accepted from the server. Default 256 MiB. */
  readonly maxFrameSize?: number;
  /** Keyspace to `USE` once ready. */
  readonly keyspace?: string;
  /** Called for every server EVENT (after REGISTER). */
  readonly onEvent?: (event: Response) => void;
  /** Called once when the connection closes, for whatever reason. */
  readonly onClose?: (conn: Connection, error: Error | undefined) => void;
  /** Open the socket yourself (tests, proxies). */
  readonly socketFactory?: (host: string, port: number) => net.Socket;
  /** Called synchronously each time a request is refused because the wait queue is full. */
  readonly onQueueFull?: () => void;
  /** Decode large RESULT frames in this worker pool (see `ClientOptions.offload`). */
  readonly offload?: OffloadPool | null;
}

type State = 'connecting' | 'ready' | 'closing' | 'closed';

/**
 * One socket to one Cassandra node: handshake and version negotiation, stream-id
 * multiplexing, write coalescing, heartbeats and timeouts.
 */
export class Connection {
  /** `address:port`. */
  readonly hostId: string;
  /** Negotiated protocol version. */
  version: 4 | 5 = 5;
  /** Options from the server's SUPPORTED message. */
  supported: Readonly<Record<string, string[]>> = {};
  /** Keyspace the connection is using. */
  keyspace: string | undefined;

  private socket: net.Socket | null = null;
  private state: State = 'connecting';
  private closeError: Error | undefined;
  private readonly ids: StreamIdPool;
  private readonly pending: (PendingRequest | undefined)[];
  private readonly waiting = new WaitQueue();
  private readonly maxQueued: number;
  private readonly maxOrphaned: number;
  private readonly defaultTimeoutMs: number;
  private decoder: FrameDecoder | SegmentDecoder;
  private compressor: Compressor | null = null;
  private readonly writer = new FrameWriter();
  /** Socket reads so far: timeouts expire only once the socket has been read (see DeadlineQueue). */
  private reads = 0;
  /** `performance.now()` of the latest socket read: the time the answers in it were received. */
  private readAt = 0;
  private readonly deadlines = new DeadlineQueue(
    (p) => this.giveUp(p, new RequestTimeoutError(this.hostId, p.timeoutMs)),
    () => this.reads,
  );
  private heartbeat: Heartbeat | null = null;
  private drainWaiters: (() => void)[] = [];
  /** Settles when the socket emitted 'close' (its handle is released); `socket.closed` turns true earlier. */
  private socketGone: Promise<void> = Promise.resolve();

  private constructor(private readonly options: ConnectionOptions) {
    this.hostId = `${options.host}:${options.port ?? 9042}`;
    const maxInFlight = Math.min(MAX_STREAMS, Math.max(1, options.maxRequestsPerConnection ?? MAX_STREAMS));
    this.ids = new StreamIdPool(maxInFlight);
    this.pending = new Array<PendingRequest | undefined>(maxInFlight);
    this.maxQueued = options.maxQueuedPerConnection ?? defaultMaxQueued();
    this.maxOrphaned = Math.max(1, options.maxOrphanedRequests ?? 256);
    this.defaultTimeoutMs = options.timeoutMs ?? 12_000;
    // With offload, large compressed v4 bodies leave the decoder compressed: a worker inflates them.
    // Large bodies are joined (or inflated) into recyclable buffers, as v5 frames are.
    this.decoder = new FrameDecoder({ maxFrameSize: options.maxFrameSize, deferDecompressionFrom: options.offload?.minBytes, allocateBody: allocateFrame });
    this.keyspace = options.keyspace;
  }

  /** Open a connection and complete the handshake (version negotiation, STARTUP, auth, USE). */
  static async open(options: ConnectionOptions): Promise<Connection> {
    const pinned = options.protocolVersion;
    const first = new Connection(options);
    try {
      await first.handshake(pinned ?? 5);
      return first;
    } catch (err) {
      first.destroy(err instanceof Error ? err : new Error(String(err)));
      if (pinned !== undefined || !isVersionRejection(err)) throw first.handshakeError(err);
    }
    const second = new Connection(options);
    try {
      await second.handshake(4);
      return second;
    } catch (err) {
      second.destroy(err instanceof Error ? err : new Error(String(err)));
      throw second.handshakeError(err);
    }
  }

  /** A handshake that timed out or lost its socket is a failure to connect: ConnectError, cause kept. */
  private handshakeError(err: unknown): unknown {
    if (err instanceof RequestTimeoutError || err instanceof ConnectionClosedError) {
      return new ConnectError(this.hostId, `handshake failed: ${err.message}`, err);
    }
    return err;
  }

  /** Requests sent and not yet answered (orphaned ones included). */
  get inFlight(): number {
    return this.ids.inUse;
  }

  /** Stream ids held by requests that timed out or were aborted, until their late answer arrives. */
  get orphaned(): number {
    return this.ids.orphaned;
  }

  /** Compression in use on the wire (`'lz4'`), or null. Set once the handshake has negotiated it. */
  get compression(): string | null {
    return this.compressor?.name ?? null;
  }

  /** Local (client-side) port of the socket, e.g. to find this connection in `system_views.clients`. */
  get localPort(): number | undefined {
    return this.socket?.localPort;
  }

  /** Bytes received on the socket so far (compressed size when compression is on). */
  get bytesRead(): number {
    return this.socket?.bytesRead ?? 0;
  }

  /** Bytes written to the socket so far (compressed size when compression is on). */
  get bytesWritten(): number {
    return this.socket?.bytesWritten ?? 0;
  }

  /** Requests waiting for a stream id. */
  get queued(): number {
    return this.waiting.live;
  }

  /**
   * Every stream id is taken and the wait queue is at its bound: a request sent now fails at
   * once with QueueFullError.
   */
  get saturated(): boolean {
    return this.ids.inUse >= this.ids.capacity && this.waiting.live >= this.maxQueued;
  }

  /** The wait queue's bound (`maxQueuedPerConnection` or its default). */
  get queueLimit(): number {
    return this.maxQueued;
  }

  /** True until the connection starts closing. */
  get isOpen(): boolean {
    return this.state === 'ready';
  }

  /**
   * Send a request and wait for its response. Server ERRORs reject with typed errors;
   * RESULT and other messages resolve.
   */
  send(request: Request, options?: SendOptions): Promise<ConnectionResponse> {
    return new Promise<ConnectionResponse>((resolve, reject) => this.submit(request, options, promiseListener(resolve, reject)));
  }

  /**
   * `send` without a promise: `listener` hears the outcome (once; synchronously when the
   * request cannot be sent at all). For the execution core's hot path.
   * @param sentAt `performance.now()` the caller just read, to count the timeout from (saves a clock read)
   */
  submit(request: Request, options: SendOptions | undefined, listener: ResponseListener, sentAt?: number): void {
    if (this.state !== 'ready' && this.state !== 'connecting') {
      listener.onError(new ConnectionClosedError(this.hostId, 'connection is closed', this.closeError));
      return;
    }
    const timeoutMs = options?.timeoutMs ?? this.defaultTimeoutMs;
    const p = new PendingRequest(request, options, listener, timeoutMs);
    const signal = options?.signal;
    if (signal) {
      if (signal.aborted) {
        listener.onError(new AbortedError(signal.reason));
        return;
      }
      p.onAbort = () => this.giveUp(p, new AbortedError(signal.reason));
      signal.addEventListener('abort', p.onAbort, { once: true });
    }
    if (timeoutMs > 0) {
      p.deadline = (sentAt ?? performance.now()) + timeoutMs;
      this.deadlines.add(p, timeoutMs);
    }
    const stream = this.ids.acquire();
    if (stream < 0) {
      if (this.queued >= this.maxQueued) {
        this.finish(p);
        listener.onError(new QueueFullError(this.hostId, this.maxQueued));
        this.options.onQueueFull?.();
        return;
      }
      this.waiting.push(p);
      return;
    }
    this.dispatch(p, stream);
  }

  /** Stop taking requests, wait for those in flight, then close the socket. */
  async close(): Promise<void> {
    if (this.state === 'closed') return this.socketGone;
    this.state = 'closing';
    // A second close() waits for the same drain instead of cutting it short.
    if (this.inFlight - this.ids.orphaned > 0 || this.queued > 0) {
      await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    }
    this.destroy(undefined, 'closed by client');
    // Resolve only once the socket handle is released, so nothing is left open after close().
    await this.socketGone;
  }

  /** Close at once; every request in flight or queued is rejected with ConnectionClosedError. */
  destroy(error?: Error, reason = error?.message ?? 'destroyed'): void {
    if (this.state === 'closed') return;
    const wasReady = this.state === 'ready' || this.state === 'closing';
    this.state = 'closed';
    this.closeError = error;
    this.deadlines.clear();
    this.heartbeat?.stop();
    const closed = (): ConnectionClosedError => new ConnectionClosedError(this.hostId, reason, error);
    for (let i = 0; i < this.pending.length; i++) {
      const p = this.pending[i];
      if (p !== undefined) {
        this.pending[i] = undefined;
        this.ids.release(i); // no answer can come any more: no stream id stays in use
        if (!p.done) {
          this.finish(p);
          p.reject(closed());
        }
      }
    }
    for (const p of this.waiting.drain()) {
      this.finish(p);
      p.reject(closed());
    }
    this.ids.orphaned = 0;
    this.writer.close();
    this.socket?.destroy();
    for (const w of this.drainWaiters.splice(0)) w();
    if (wasReady) {
      if (channels.connectionClose.hasSubscribers) {
        channels.connectionClose.publish({ host: this.hostId, protocolVersion: this.version, reason });
      }
    }
    this.options.onClose?.(this, error);
  }

  /** `close()`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---------------------------------------------------------------- handshake

  private async handshake(version: 4 | 5): Promise<void> {
    this.version = version;
    await this.connectSocket();
    const supported = await this.send({ opcode: Opcode.OPTIONS }, { timeoutMs: this.connectTimeout() });
    if (supported.message.opcode !== Opcode.SUPPORTED) {
      throw new UnexpectedResponseError(`expected SUPPORTED, got opcode ${supported.message.opcode}`);
    }
    this.supported = supported.message.options;
    const compressor = this.options.compressor ?? null;
    const startup = startupOptions(this.hostId, this.supported, compressor);
    // v4: the server may already compress its answer to STARTUP.
    if (this.version === 4 && compressor) (this.decoder as FrameDecoder).setCompressor(compressor);
    const reply = await this.send({ opcode: Opcode.STARTUP, options: startup }, { timeoutMs: this.connectTimeout() });
    // From the STARTUP answer on: v5 uses checksummed segments; v4 compresses frame bodies.
    this.compressor = compressor;
    if (this.version === 5) this.switchToSegments();
    if (reply.message.opcode === Opcode.AUTHENTICATE) {
      await authenticate(this.hostId, this.options.authProvider, reply.message.authenticator, (token) => this.authResponse(token));
    } else if (reply.message.opcode !== Opcode.READY) {
      throw new UnexpectedResponseError(`expected READY or AUTHENTICATE, got opcode ${reply.message.opcode}`);
    }
    if (this.keyspace !== undefined) await this.useKeyspace(this.keyspace);
    // v4 frames are compressed from here on (the handshake's last ones went plain, as before).
    if (this.version === 4) this.writer.compressV4(compressor);
    this.state = 'ready';
    this.startHeartbeat();
    if (channels.connectionOpen.hasSubscribers) {
      channels.connectionOpen.publish({ host: this.hostId, protocolVersion: this.version });
    }
  }

  private connectTimeout(): number {
    return this.options.connectTimeoutMs ?? 5000;
  }

  private async connectSocket(): Promise<void> {
    this.attach(await openSocket(this.options, this.hostId, this.connectTimeout()));
  }

  private attach(socket: net.Socket): void {
    this.socket = socket;
    this.writer.attach(socket);
    this.socketGone = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.destroy(new ConnectionClosedError(this.hostId, err.message, err), err.message));
    socket.on('close', () => this.destroy(undefined, 'socket closed by peer'));
  }

  private switchToSegments(): void {
    const previous = this.decoder as FrameDecoder;
    // With offload, large multi-segment frames leave the decoder unverified: a worker checks them.
    this.decoder = new SegmentDecoder({
      maxFrameSize: this.options.maxFrameSize,
      compressor: this.compressor ?? undefined,
      deferFramesFrom: this.options.offload?.minBytes,
      // Large frames are joined into recyclable buffers (a stream hands them back once read).
      allocateFrame,
    });
    this.writer.useSegments(this.compressor);
    // Bytes that arrived after the STARTUP answer already belong to the segment stream.
    for (const chunk of previous.takeBuffered()) this.decoder.push(chunk);
  }

  /** One AUTH_RESPONSE of the SASL exchange (see `authenticate`). */
  private async authResponse(token: Uint8Array | null): Promise<AuthReply> {
    const reply = await this.send({ opcode: Opcode.AUTH_RESPONSE, token: token === null ? null : Buffer.from(token) }, { timeoutMs: this.connectTimeout() });
    const m = reply.message;
    if (m.opcode === Opcode.AUTH_SUCCESS) return { opcode: 'success', token: m.token };
    if (m.opcode === Opcode.AUTH_CHALLENGE) return { opcode: 'challenge', token: m.token };
    throw new UnexpectedResponseError(`unexpected opcode ${m.opcode} during authentication`);
  }

  /** Switch this connection to `keyspace` (`USE`). */
  async useKeyspace(keyspace: string, options?: SendOptions): Promise<void> {
    await this.send({ opcode: Opcode.QUERY, query: `USE ${quoteIdentifier(keyspace)}`, params: { consistency: 1 } }, options);
    this.keyspace = keyspace;
  }

  // ---------------------------------------------------------------- write path

  private dispatch(p: PendingRequest, stream: number): void {
    p.stream = stream;
    this.pending[stream] = p;
    const o = p.options;
    const frameOptions = o && (o.tracing || o.customPayload) ? { tracing: o.tracing, customPayload: o.customPayload } : undefined;
    try {
      const written = this.writer.write(this.version, stream, p.request!, frameOptions);
      p.request = undefined;
      if (o?.sizes !== undefined) o.sizes.bytesOut += written;
    } catch (err) {
      // Encoding failed (bad value): nothing was written for this stream; fail only this request,
      // always with a typed error (an encoder bug or a plain-JS caller can raise anything).
      this.pending[stream] = undefined;
      this.ids.release(stream);
      this.finish(p);
      p.reject(CqlwireError.is(err) ? err : new ProtocolError(ProtocolErrorCode.ENCODE, `cannot encode the request: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
      this.pumpWaiting();
    }
  }

  // ---------------------------------------------------------------- read path

  private onData(chunk: Buffer): void {
    this.reads++;
    const now = performance.now();
    this.readAt = now;
    this.heartbeat?.touch(now);
    try {
      this.decoder.push(chunk);
      let frame: Frame | null;
      while ((frame = this.decoder.next()) !== null) this.onFrame(frame);
    } catch (err) {
      // Malformed bytes from the server: the stream cannot be resynchronised. When the error
      // names the frame's stream (a frame larger than maxFrameSize), its request fails with that
      // error itself, so its caller learns what happened; the others with ConnectionClosedError.
      const stream = err instanceof ProtocolError ? err.stream : undefined;
      const p = stream !== undefined && stream >= 0 ? this.pending[stream] : undefined;
      if (p !== undefined && !p.done) {
        this.finish(p);
        p.reject(err as ProtocolError);
      }
      this.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private onFrame(frame: Frame): void {
    const stream = frame.stream;
    if (stream >= 0) {
      // Tracing: the answer's size, counted only for a request still waiting for it.
      const sizes = this.pending[stream]?.options?.sizes;
      if (sizes !== undefined && !this.pending[stream]!.done) sizes.bytesIn += frameBytes(frame);
    }
    const offload = this.options.offload;
    if (offload != null && stream >= 0 && offload.accepts(frame)) {
      const p = this.pending[stream];
      if (p !== undefined && !p.done) {
        // The answer is here: the stream id is free again at once; the worker decodes it while
        // other streams go on inline.
        this.pending[stream] = undefined;
        this.ids.release(stream);
        this.finish(p);
        this.offloadFrame(offload, p, frame);
        this.pumpWaiting();
        return;
      }
    }
    if (frame.deferred !== undefined) {
      // Segments left unverified by the decoder for a worker (deferFramesFrom), yet decoded here.
      frame.body = completeDeferredFrame(frame.deferred, this.compressor ?? undefined, allocateFrame);
      frame.deferred = undefined;
    } else if (frame.version < 5 && (frame.flags & FrameFlag.COMPRESSION) !== 0) {
      // Left compressed by the decoder for a worker (deferDecompressionFrom), yet decoded here.
      frame.body = decompressV4Body(this.options.compressor!, frame.body, this.options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE, allocateFrame);
      frame.flags &= ~FrameFlag.COMPRESSION;
    }
    if (stream < 0) {
      if (frame.opcode === Opcode.EVENT && this.options.onEvent) {
        let env: ResponseEnvelope;
        try {
          env = decodeResponse(frame);
        } catch (err) {
          // A malformed event is dropped: frame boundaries are intact, requests carry on.
          log('warn', 'event.malformed', `dropped a malformed server event from ${this.hostId}`, this.hostId, err);
          return;
        }
        this.options.onEvent(env.message);
      }
      return;
    }
    const p = this.pending[stream];
    if (p === undefined) return; // not ours (late duplicate); ignore
    this.pending[stream] = undefined;
    this.ids.release(stream);
    if (p.done) {
      // Late answer to a timed-out / aborted request: the id is free again.
      this.ids.orphaned--;
    } else if (p.deadline !== 0 && this.readAt > p.deadline && this.deadlines.keptUp(this.readAt)) {
      // Read after its deadline while the loop kept up: a timeout, as a timer at the deadline
      // would have said (the 20 ms checks only bound how late it is reported). An answer read
      // after the loop was blocked is kept instead (see DeadlineQueue).
      this.finish(p);
      p.reject(new RequestTimeoutError(this.hostId, p.timeoutMs));
    } else {
      this.finish(p);
      let env: ResponseEnvelope;
      try {
        env = decodeResponse(frame);
      } catch (err) {
        p.reject(CqlwireError.is(err) ? err : new ProtocolError(ProtocolErrorCode.MALFORMED, `cannot decode the response: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
        this.pumpWaiting();
        return;
      }
      if (env.message.opcode === Opcode.ERROR) {
        p.reject(toServerError(env.message, this.hostId));
      } else {
        p.resolve(new HostResponse(env, this.hostId), this.readAt);
      }
    }
    this.pumpWaiting();
  }

  private offloadFrame(offload: OffloadPool, p: PendingRequest, frame: Frame): void {
    const host = this.hostId;
    // Read before the frame is handed over. A page with more after it is answered at once, its
    // paging state with it: the next page can be asked for while the worker decodes this one.
    const header = frame.deferred === undefined ? undefined : peekRowsHeader(frame.version, frame.flags, frame.deferred.head);
    const decoded = offload.decode(frame, this.options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE);
    if (header?.metadata.pagingState !== undefined) {
      p.resolve(new HostResponse({ message: { opcode: Opcode.RESULT, result: new OffloadedRowsResult(header, decoded) } }, host), this.readAt);
      return;
    }
    decoded.then(
      (env) => {
        if (env.message.opcode === Opcode.ERROR) p.reject(toServerError(env.message, host));
        else p.resolve(new HostResponse(env, host), performance.now());
      },
      (err: unknown) => {
        p.reject(CqlwireError.is(err) ? err : new ProtocolError(ProtocolErrorCode.MALFORMED, `cannot decode the response: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
      },
    );
  }

  private pumpWaiting(): void {
    while (this.waiting.live > 0) {
      const stream = this.ids.acquire();
      if (stream < 0) break;
      this.dispatch(this.waiting.shift(), stream);
    }
    if (this.state === 'closing' && this.inFlight - this.ids.orphaned === 0 && this.queued === 0) {
      for (const w of this.drainWaiters.splice(0)) w();
    }
  }

  // ---------------------------------------------------------------- timeouts, abort, heartbeat

  /** Mark a request finished: no timeout, no abort listener. */
  private finish(p: PendingRequest): void {
    p.done = true;
    if (p.onAbort !== null) {
      p.options?.signal?.removeEventListener('abort', p.onAbort);
      p.onAbort = null;
    }
  }

  /** Fail a request before its answer came (timeout, abort); its stream id stays reserved until the answer arrives. */
  private giveUp(p: PendingRequest, error: Error): void {
    if (p.done) return;
    this.finish(p);
    if (p.stream >= 0 && ++this.ids.orphaned >= this.maxOrphaned && this.state === 'ready') {
      // Too many ids owed an answer that may never come: drain the rest and let the pool replace us.
      void this.close();
    }
    this.waiting.forget(p);
    p.reject(error);
    if (this.state === 'closing') this.pumpWaiting();
  }

  private startHeartbeat(): void {
    const interval = this.options.heartbeatIntervalMs ?? 30_000;
    const timeoutMs = Math.max(1000, Math.min(interval, this.defaultTimeoutMs || interval));
    this.heartbeat = new Heartbeat(
      interval,
      () => (this.state === 'ready' ? this.send({ opcode: Opcode.OPTIONS }, { timeoutMs }) : Promise.resolve()),
      (err) => this.destroy(new ConnectionClosedError(this.hostId, 'heartbeat failed', err), 'heartbeat failed'),
    );
  }
}

