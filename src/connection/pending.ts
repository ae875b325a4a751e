import { getHeapStatistics } from 'node:v8';
import { FrameFlag, type Frame, type Request, type ResponseEnvelope } from '../../protocol/index.js';

/**
 * Heap one queued request holds, in bytes, rounded up: its record here, the request and its
 * values, and the promises of the session's call chain waiting on it. Measured at about 3.5 KB
 * for a prepared two-column INSERT (`node --expose-gc --import tsx bench/burst/burst.ts`).
 */
export const QUEUED_REQUEST_BYTES = 4096;

/**
 * The default bound of a connection's wait queue: what a sixteenth of the V8 heap limit holds
 * at {@link QUEUED_REQUEST_BYTES} each (65,536 with a 4 GiB heap, 8,192 with 512 MiB), so a
 * burst is queued as far as memory allows instead of up to a count chosen by hand.
 */
export function defaultMaxQueued(): number {
  return Math.max(1024, Math.floor(getHeapStatistics().heap_size_limit / 16 / QUEUED_REQUEST_BYTES));
}

/** Per-request options at the connection level. */
export interface SendOptions {
  /** Milliseconds; 0 disables; undefined uses the connection default. */
  readonly timeoutMs?: number;
  /** Cancel the request. */
  readonly signal?: AbortSignal;
  /** Ask the server to trace this request. */
  readonly tracing?: boolean;
  /** Custom payload (QUERY/PREPARE/EXECUTE/BATCH). */
  readonly customPayload?: Readonly<Record<string, Uint8Array | null>>;
  /** Where the request's frame sizes are added up (tracing): set only when someone listens. */
  readonly sizes?: FrameSizes;
}

/** Frame bytes of a request, added to as the connection writes and reads them. */
export interface FrameSizes {
  /** Request frame bytes written (header included, before compression). */
  bytesOut: number;
  /** Response frame bytes read (header included, after decompression). */
  bytesIn: number;
}

/** Size of a received frame, header included, as if uncompressed (a body may still be compressed for a worker). */
export function frameBytes(frame: Frame): number {
  const deferred = frame.deferred;
  if (deferred !== undefined) {
    let n = deferred.head.length;
    for (const s of deferred.segments) n += s.uncompressedLength > 0 ? s.uncompressedLength : s.payload.length;
    return FRAME_HEADER_BYTES + n;
  }
  const body = frame.body;
  // v4 with compression left for a worker: the body starts with its uncompressed length.
  if (frame.version < 5 && (frame.flags & FrameFlag.COMPRESSION) !== 0 && body.length >= 4) return FRAME_HEADER_BYTES + body.readUInt32BE(0);
  return FRAME_HEADER_BYTES + body.length;
}

const FRAME_HEADER_BYTES = 9;

/** A response with its envelope and where it came from. */
export interface ConnectionResponse extends ResponseEnvelope {
  /** `address:port` of the connection that answered. */
  readonly host: string;
}

/** A response with its host, in one fixed shape (object spreads here cost more than the decode). */
export class HostResponse implements ConnectionResponse {
  readonly message: ResponseEnvelope['message'];
  readonly tracingId: string | undefined;
  readonly warnings: readonly string[] | undefined;
  readonly customPayload: ResponseEnvelope['customPayload'];
  constructor(
    env: ResponseEnvelope,
    readonly host: string,
  ) {
    this.message = env.message;
    this.tracingId = env.tracingId;
    this.warnings = env.warnings;
    this.customPayload = env.customPayload;
  }
}

/**
 * Who hears how a request ended. Called at most once, synchronously from the connection's read
 * (or close) path: it must not throw, and should not call back into the connection there.
 */
export interface ResponseListener {
  /**
   * The answer (server ERRORs come to `onError`, typed).
   * @param receivedAt `performance.now()` of the socket read that brought it (one clock read per
   *   read, shared by the answers in it), or of the worker's decode
   */
  onResponse(response: ConnectionResponse, receivedAt: number): void;
  /** Why the request failed, timed out, was aborted or could not be sent. */
  onError(error: Error): void;
}

/** The listener of `send`: its promise. */
class PromiseListener implements ResponseListener {
  constructor(
    readonly onResponse: (response: ConnectionResponse) => void,
    readonly onError: (error: Error) => void,
  ) {}
}

/** A listener that settles a promise (what `Connection.send` returns). */
export function promiseListener(resolve: (response: ConnectionResponse) => void, reject: (error: Error) => void): ResponseListener {
  return new PromiseListener(resolve, reject);
}

/** The listener of a request already settled: a second outcome is dropped. */
const SETTLED: ResponseListener = Object.freeze({ onResponse: (): void => undefined, onError: (): void => undefined });

/** One request from `send` until it is answered, fails, times out or is aborted. */
export class PendingRequest {
  /** Stream id once dispatched, else -1. */
  stream = -1;
  /** Waiting in the queue for a stream id. */
  queued = false;
  /** `performance.now()` past which the request times out; 0 for none. */
  deadline = 0;
  /** Settled (answered, failed, timed out or aborted): late events for it are ignored. */
  done = false;
  onAbort: (() => void) | null = null;
  constructor(
    /** The message; dropped once written (a request in flight holds no more than it must). */
    public request: Request | undefined,
    readonly options: SendOptions | undefined,
    private listener: ResponseListener,
    readonly timeoutMs: number,
  ) {}

  // The listener is let go of as it is told: a settled request may still sit in the deadline
  // queue until its next check, and must not keep the caller's request and answer alive (they
  // would survive young-generation collections: measured 3 MB copied per scavenge at 150k
  // requests/s before).

  /** Hand the answer, read at `receivedAt`, to the listener. */
  resolve(response: ConnectionResponse, receivedAt: number): void {
    const listener = this.listener;
    this.listener = SETTLED;
    listener.onResponse(response, receivedAt);
  }

  /** Hand the failure to the listener. */
  reject(error: Error): void {
    const listener = this.listener;
    this.listener = SETTLED;
    listener.onError(error);
  }
}

/**
 * Requests waiting for a stream id, first in first out. Entries given up on (timeout, abort)
 * stay in the array until they reach the head, so giving up is O(1): `live` counts the others.
 */
export class WaitQueue {
  private items: (PendingRequest | undefined)[] = [];
  private head = 0;
  /** Requests waiting and not given up on. */
  live = 0;

  push(p: PendingRequest): void {
    p.queued = true;
    this.live++;
    this.items.push(p);
  }

  /** Take the next request not given up on; call only while `live > 0`. */
  shift(): PendingRequest {
    for (;;) {
      const p = this.items[this.head]!;
      this.items[this.head++] = undefined;
      if (p.done) continue;
      p.queued = false;
      this.live--;
      this.compact();
      return p;
    }
  }

  /** `p` was given up on while waiting. */
  forget(p: PendingRequest): void {
    if (!p.queued) return;
    p.queued = false;
    this.live--;
  }

  /** Empty the queue, handing back the requests still waiting. */
  drain(): PendingRequest[] {
    const out: PendingRequest[] = [];
    for (let i = this.head; i < this.items.length; i++) {
      const p = this.items[i]!;
      if (!p.done) out.push(p);
    }
    this.items = [];
    this.head = 0;
    this.live = 0;
    return out;
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
  }
}
