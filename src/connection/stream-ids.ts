/**
 * Stream-id allocator for one connection. Ids are handed out lowest-first from a free stack;
 * ids whose request timed out or was aborted are "orphaned": not reusable until the late
 * response arrives (or the connection is replaced), so a late answer can never be taken for
 * another request's.
 */
export class StreamIdPool {
  private readonly free: Int16Array;
  private top = 0;
  private next = 0;
  /** Ids given up on by their caller but still owed a response. */
  orphaned = 0;

  constructor(readonly capacity: number) {
    this.free = new Int16Array(capacity);
  }

  /** A free id, or -1 when all are in use. */
  acquire(): number {
    if (this.top > 0) return this.free[--this.top]!;
    if (this.next < this.capacity) return this.next++;
    return -1;
  }

  /** Return an id whose response arrived. */
  release(id: number): void {
    this.free[this.top++] = id;
  }

  /** Ids currently in use (including orphaned ones). */
  get inUse(): number {
    return this.next - this.top;
  }
}
