import type { PendingRequest } from './pending.js';

const TICK_MS = 20;
/** Poll phases to wait at most for the socket to go quiet before expiring anyway. */
const MAX_READ_ROUNDS = 16;

/** Requests sent with one timeout: their deadlines grow in send order. */
class Lane {
  items: PendingRequest[] = [];
  head = 0;

  /** Drop settled requests at the head; true when none is left. */
  skipSettled(): boolean {
    const q = this.items;
    let h = this.head;
    while (h < q.length && q[h]!.done) h++;
    if (h === q.length) {
      this.items = [];
      this.head = 0;
      return true;
    }
    if (h > 4096 && h * 2 > q.length) {
      q.splice(0, h);
      h = 0;
    }
    this.head = h;
    return false;
  }
}

/**
 * Request deadlines of one connection, checked every 20 ms by one timer (not a timer per
 * request). Requests are kept in one lane per timeout value, so each lane is in deadline order
 * and a check looks only at the head of each lane, however many requests wait.
 *
 * Expiry waits for the socket to be read: in a turn of the event loop, timers run before I/O, so
 * after the loop was busy (a burst issued, a long synchronous callback) answers that already
 * arrived wait unread in the socket while their deadlines pass. Expiring them then would report
 * as timed out requests the server has answered (and applied). So a sweep that finds an
 * expired deadline defers to `setImmediate`, which runs after the loop's poll phase; while that
 * phase keeps reading data it defers again, up to {@link MAX_READ_ROUNDS} times.
 */
export class DeadlineQueue {
  private readonly lanes = new Map<number, Lane>();
  /** The lane of the timeout used last: most requests share one. */
  private lastTimeoutMs = -1;
  private lastLane: Lane | undefined;
  private timer: NodeJS.Timeout | null = null;
  private expiryScheduled = false;
  private readsAtCheck = 0;
  private rounds = 0;
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
    let lane = timeoutMs === this.lastTimeoutMs ? this.lastLane : undefined;
    if (lane === undefined) {
      lane = this.lanes.get(timeoutMs);
      if (lane === undefined) {
        lane = new Lane();
        this.lanes.set(timeoutMs, lane);
      }
      this.lastTimeoutMs = timeoutMs;
      this.lastLane = lane;
    }
    lane.items.push(p);
    if (this.timer === null) {
      this.timer = setInterval(() => this.check(), TICK_MS);
      this.timer.unref();
    }
  }

  /** Forget every deadline and stop the timer (the connection is closed). */
  clear(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.lanes.clear();
    this.lastTimeoutMs = -1;
    this.lastLane = undefined;
    this.expiryScheduled = false;
  }

  private check(): void {
    if (this.expiryScheduled) return;
    const now = performance.now();
    let due = false;
    for (const [timeoutMs, lane] of this.lanes) {
      if (lane.skipSettled()) this.dropLane(timeoutMs);
      else if (lane.items[lane.head]!.deadline <= now) due = true;
    }
    if (due) {
      this.expiryScheduled = true;
      this.readsAtCheck = this.reads();
      this.rounds = 0;
      setImmediate(this.expireFn);
    } else {
      this.stopWhenEmpty();
    }
  }

  private expireAfterReads(): void {
    if (!this.expiryScheduled) return; // cleared meanwhile
    const reads = this.reads();
    if (reads !== this.readsAtCheck && ++this.rounds < MAX_READ_ROUNDS) {
      // The poll phase just read something: more answers may be waiting behind it.
      this.readsAtCheck = reads;
      setImmediate(this.expireFn);
      return;
    }
    this.expiryScheduled = false;
    const now = performance.now();
    for (const lane of this.lanes.values()) {
      const q = lane.items;
      let h = lane.head;
      while (h < q.length) {
        const p = q[h]!;
        if (!p.done) {
          if (p.deadline > now) break;
          this.expire(p);
        }
        h++;
      }
      lane.head = h;
    }
    for (const [timeoutMs, lane] of this.lanes) if (lane.skipSettled()) this.dropLane(timeoutMs);
    this.stopWhenEmpty();
  }

  private dropLane(timeoutMs: number): void {
    this.lanes.delete(timeoutMs);
    if (timeoutMs === this.lastTimeoutMs) {
      this.lastTimeoutMs = -1;
      this.lastLane = undefined;
    }
  }

  private stopWhenEmpty(): void {
    if (this.lanes.size === 0 && this.timer !== null && !this.expiryScheduled) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}
