import type { PendingRequest } from './pending.js';

const TICK_MS = 20;
/**
 * Poll phases to wait at most for the socket to go quiet before expiring anyway. What arrived
 * while the loop was blocked sits in the kernel's buffer and is read in the first one or two
 * (libuv reads up to 32 chunks per poll); waiting longer would let answers that came after
 * the deadline, and after the block, count as in time.
 */
const MAX_READ_ROUNDS = 3;

/**
 * Request deadlines of one connection, checked every 20 ms by one timer (not a timer per
 * request).
 *
 * After the event loop was busy, expiry waits for the socket to be read: in a turn of the loop,
 * timers run before I/O, so after a burst was issued or a long synchronous callback ran,
 * answers that already arrived wait unread in the socket while their deadlines pass. Expiring
 * them then would report as timed out requests the server has answered (and applied). So a
 * check that runs late (the loop was blocked) and finds an expired deadline defers to
 * `setImmediate`, which runs after the loop's poll phase; while that phase keeps reading data it
 * defers again, up to {@link MAX_READ_ROUNDS} times. A check on time expires at once, as a
 * timeout should.
 */
export class DeadlineQueue {
  private items: PendingRequest[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Not every request has the same timeout: deadlines are not in send order. */
  private mixed = false;
  private lastTimeoutMs = -1;
  private expiryScheduled = false;
  private readsAtCheck = 0;
  private rounds = 0;
  /** When the last check ran: a check much later than its tick means the loop was blocked. */
  private lastCheckAt = 0;
  private readonly expireFn = (): void => this.expireAfterReads();

  /**
   * @param expire fails one request whose deadline passed
   * @param reads  how many socket reads the connection has done so far
   */
  constructor(
    private readonly expire: (p: PendingRequest) => void,
    private readonly reads: () => number,
  ) {}

  /** Track `p`, whose deadline is set, sent with `timeoutMs`. */
  add(p: PendingRequest, timeoutMs: number): void {
    if (this.lastTimeoutMs !== timeoutMs) {
      if (this.lastTimeoutMs !== -1) this.mixed = true;
      this.lastTimeoutMs = timeoutMs;
    }
    this.items.push(p);
    if (this.timer === null) {
      this.lastCheckAt = performance.now();
      this.timer = setInterval(() => this.check(), TICK_MS);
      this.timer.unref();
    }
  }

  /**
   * Whether the deadline checks kept up until `now`: the last ran on time (not more than two
   * ticks ago) and no expiry is waiting for the socket to be read after a blocked loop. An
   * answer read past its deadline then is a timeout; after a blocked loop it is delivered.
   */
  keptUp(now: number): boolean {
    return this.timer !== null && !this.expiryScheduled && now - this.lastCheckAt <= 2 * TICK_MS;
  }

  /** Forget every deadline and stop the timer (the connection is closed). */
  clear(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.items = [];
    this.head = 0;
    this.mixed = false;
    this.lastTimeoutMs = -1;
    this.expiryScheduled = false;
  }

  private check(): void {
    const now = performance.now();
    const late = now - this.lastCheckAt > 2 * TICK_MS;
    this.lastCheckAt = now;
    if (this.expiryScheduled || !this.anyDue(now)) {
      this.stopWhenEmpty();
      return;
    }
    if (!late) {
      this.expireDue(now);
      this.stopWhenEmpty();
      return;
    }
    this.expiryScheduled = true;
    this.readsAtCheck = this.reads();
    this.rounds = 0;
    setImmediate(this.expireFn);
  }

  private expireAfterReads(): void {
    const reads = this.reads();
    if (reads !== this.readsAtCheck && ++this.rounds < MAX_READ_ROUNDS) {
      // The poll phase just read something: more answers may be waiting behind it.
      this.readsAtCheck = reads;
      setImmediate(this.expireFn);
      return;
    }
    this.expiryScheduled = false;
    this.expireDue(performance.now());
    this.stopWhenEmpty();
  }

  private anyDue(now: number): boolean {
    const q = this.items;
    if (!this.mixed) {
      // One timeout for all: deadlines grow in send order, so the first live entry decides.
      let h = this.head;
      while (h < q.length && q[h]!.done) h++;
      this.head = h;
      return h < q.length && q[h]!.deadline <= now;
    }
    // Mixed timeouts: look at all, dropping the settled ones on the way.
    let write = 0;
    let due = false;
    for (let i = this.head; i < q.length; i++) {
      const p = q[i]!;
      if (p.done) continue;
      if (p.deadline <= now) due = true;
      q[write++] = p;
    }
    q.length = write;
    this.head = 0;
    return due;
  }

  private expireDue(now: number): void {
    const q = this.items;
    if (!this.mixed) {
      let h = this.head;
      while (h < q.length) {
        const p = q[h]!;
        if (!p.done) {
          if (p.deadline > now) break;
          this.expire(p);
        }
        h++;
      }
      this.head = h;
    } else {
      let write = 0;
      for (let i = this.head; i < q.length; i++) {
        const p = q[i]!;
        if (p.done) continue;
        if (p.deadline <= now) {
          this.expire(p);
          continue;
        }
        q[write++] = p;
      }
      q.length = write;
      this.head = 0;
    }
  }

  private stopWhenEmpty(): void {
    const q = this.items;
    if (this.head > 4096 || this.head === q.length) {
      q.splice(0, this.head);
      this.head = 0;
    }
    if (q.length === 0 && this.timer !== null && !this.expiryScheduled) {
      clearInterval(this.timer);
      this.timer = null;
      this.mixed = false;
      this.lastTimeoutMs = -1;
    }
  }
}
