// Request throttles: a client-wide bound on requests in flight (and optionally per second)
// across every host. Callers past the bound wait in a bounded queue instead of failing; the
// adaptive throttle lowers its limit when nodes answer OVERLOADED or time out and raises it
// again as requests succeed (additive increase, multiplicative decrease, as TCP does).
import { AbortedError, QueueFullError, RequestTimeoutError } from '../errors/driver-errors.js';
import { OverloadedError, ReadTimeoutError, WriteTimeoutError } from '../errors/server-errors.js';

/** A throttle's state, as `client.metrics().throttle` shows it. */
export interface ThrottleSnapshot {
  /** Requests that may be in flight now. */
  readonly limit: number;
  /** Requests holding a permit. */
  readonly inFlight: number;
  /** Callers waiting for a permit. */
  readonly queued: number;
  /** The most callers that waited at once. */
  readonly maxQueuedSeen: number;
  /** Times the limit was lowered (an OVERLOADED answer or a timeout). */
  readonly backoffs: number;
  /** Callers refused because the queue was full. */
  readonly rejected: number;
}

/**
 * What the execution core asks of a throttle. `acquire` before a request (returns undefined
 * when a permit is granted at once, so the common path makes no promise), `release` once it
 * settled, and `onAttemptError` for each failed attempt (the signal to back off).
 */
export interface RequestThrottle {
  /** A permit: undefined when granted at once, else a promise that resolves when it is. */
  acquire(signal?: AbortSignal): Promise<void> | undefined;
  /** Return a permit; `ok` is whether the request succeeded. */
  release(ok: boolean): void;
  /** An attempt failed with `error` (the request may still be retried). */
  onAttemptError(error: Error): void;
  /** The throttle's state. */
  snapshot(): ThrottleSnapshot;
}

/** Options of {@link AdaptiveThrottle}. */
export interface AdaptiveThrottleOptions {
  /** Most requests in flight across the client, and the limit it starts at (default 1024). */
  readonly maxConcurrent?: number;
  /** The limit never drops below this (default 8). */
  readonly minConcurrent?: number;
  /** Most callers waiting for a permit; one more fails with QueueFullError (default 100,000). */
  readonly maxQueued?: number;
  /** Most requests started per second (default: no rate limit). */
  readonly maxPerSecond?: number;
  /** Factor the limit is multiplied by on OVERLOADED or a timeout (default 0.5). */
  readonly backoffFactor?: number;
  /** At most one backoff per this many milliseconds: one overload burst is one signal (default 200). */
  readonly backoffIntervalMs?: number;
  /** Whether the limit adapts (default true); false keeps it at `maxConcurrent`. */
  readonly adaptive?: boolean;
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * Client-wide concurrency limit with an optional rate limit that backs off on OVERLOADED and
 * timeouts (multiplicative decrease) and recovers by one permit per `limit` successes
 * (additive increase).
 */
export class AdaptiveThrottle implements RequestThrottle {
  private readonly max: number;
  private readonly min: number;
  private readonly maxQueued: number;
  private readonly factor: number;
  private readonly intervalMs: number;
  private readonly adaptive: boolean;
  private readonly ratePerMs: number;
  // A fractional limit so that additive increase can add 1/limit per success.
  private current: number;
  private inFlight = 0;
  private readonly queue: Waiter[] = [];
  private head = 0;
  private lastBackoff = -Infinity;
  private backoffs = 0;
  private rejected = 0;
  private maxQueuedSeen = 0;
  // Token bucket of the rate limit: tokens available and when they were counted.
  private tokens: number;
  private tokensAt = performance.now();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: AdaptiveThrottleOptions = {}) {
    this.max = options.maxConcurrent ?? 1024;
    this.min = Math.min(options.minConcurrent ?? 8, this.max);
    this.maxQueued = options.maxQueued ?? 100_000;
    this.factor = options.backoffFactor ?? 0.5;
    this.intervalMs = options.backoffIntervalMs ?? 200;
    this.adaptive = options.adaptive !== false;
    this.ratePerMs = options.maxPerSecond === undefined ? 0 : options.maxPerSecond / 1000;
    // A burst of up to one second's worth, at least one.
    this.tokens = options.maxPerSecond === undefined ? 0 : Math.max(1, options.maxPerSecond);
    this.current = this.max;
  }

  /** The current limit (whole requests). */
  get limit(): number {
    return Math.max(this.min, Math.floor(this.current));
  }

  /** A permit now if the limit, the rate and an empty queue allow; else a place in the queue. */
  acquire(signal?: AbortSignal): Promise<void> | undefined {
    if (signal?.aborted) return Promise.reject(new AbortedError());
    if (this.queued === 0 && this.inFlight < this.limit && this.takeToken()) {
      this.inFlight++;
      return undefined;
    }
    if (this.queued >= this.maxQueued) {
      this.rejected++;
      return Promise.reject(new QueueFullError('the client throttle', this.maxQueued));
    }
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal !== undefined) {
        w.onAbort = () => {
          const i = this.queue.indexOf(w, this.head);
          if (i >= 0) this.queue.splice(i, 1);
          reject(new AbortedError());
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.queue.push(w);
      if (this.queued > this.maxQueuedSeen) this.maxQueuedSeen = this.queued;
      this.drain();
    });
  }

  /** Return a permit; a success adds 1/limit to the limit (one permit per `limit` successes). */
  release(ok: boolean): void {
    this.inFlight--;
    if (ok && this.adaptive && this.current < this.max) this.current = Math.min(this.max, this.current + 1 / this.current);
    this.drain();
  }

  /** OVERLOADED or a timeout: multiply the limit by `backoffFactor`, at most once per interval. */
  onAttemptError(error: Error): void {
    if (!this.adaptive || !isOverload(error)) return;
    const now = performance.now();
    if (now - this.lastBackoff < this.intervalMs) return;
    this.lastBackoff = now;
    this.backoffs++;
    this.current = Math.max(this.min, this.current * this.factor);
  }

  /** The state, for `metrics().throttle`. */
  snapshot(): ThrottleSnapshot {
    return { limit: this.limit, inFlight: this.inFlight, queued: this.queued, maxQueuedSeen: this.maxQueuedSeen, backoffs: this.backoffs, rejected: this.rejected };
  }

  private get queued(): number {
    return this.queue.length - this.head;
  }

  /** Hand permits to waiters while the limit and the rate allow. */
  private drain(): void {
    while (this.queued > 0 && this.inFlight < this.limit) {
      if (!this.takeToken()) {
        this.scheduleDrain();
        return;
      }
      const w = this.queue[this.head]!;
      this.queue[this.head++] = undefined as unknown as Waiter;
      // Compact now and then: shift() on a long queue is O(n) per call.
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      if (w.onAbort !== undefined) w.signal?.removeEventListener('abort', w.onAbort);
      this.inFlight++;
      w.resolve();
    }
  }

  private takeToken(): boolean {
    if (this.ratePerMs === 0) return true;
    const now = performance.now();
    this.tokens = Math.min(Math.max(1, this.ratePerMs * 1000), this.tokens + (now - this.tokensAt) * this.ratePerMs);
    this.tokensAt = now;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }

  private scheduleDrain(): void {
    if (this.timer !== undefined) return;
    const wait = Math.max(1, Math.ceil((1 - this.tokens) / this.ratePerMs));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, wait);
    // A throttle alone must not keep the process alive.
    this.timer.unref?.();
  }
}

/** Answers that say the cluster is past its capacity. */
function isOverload(error: Error): boolean {
  return error instanceof OverloadedError || error instanceof RequestTimeoutError || error instanceof ReadTimeoutError || error instanceof WriteTimeoutError;
}
