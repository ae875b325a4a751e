// Buffers for large frame bodies decoded on the main thread, reused once a stream has read
// the page they held. A fresh multi-megabyte buffer per page lives while the page is read, so
// V8 promotes it to the old generation and only a full (mark-compact) collection frees it:
// with a fast stream that meant one full collection every few pages. Recycled buffers are
// allocated once and stay.

/** Largest number of free buffers kept. */
const MAX_FREE = 4;
/** Largest free buffer kept, bytes. */
const MAX_KEPT_BYTES = 32 * 1024 * 1024;

/** A free list of large buffers, handed out whole (one ArrayBuffer per frame). */
export class BodyPool {
  private readonly free: ArrayBuffer[] = [];
  /** Buffers this pool handed out: only those may come back. */
  private readonly issued = new WeakSet<ArrayBuffer>();
  /** Buffers handed out again from the free list so far (for tests and benchmarks). */
  reused = 0;

  /**
   * A buffer of exactly `length` bytes over an ArrayBuffer of its own: a free one that fits
   * (at most twice the size asked), else a new one.
   */
  acquire(length: number): Buffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const n = this.free[i]!.byteLength;
      if (n >= length && n <= 2 * length && (best < 0 || n < this.free[best]!.byteLength)) best = i;
    }
    let ab: ArrayBuffer;
    if (best >= 0) {
      ab = this.free[best]!;
      this.free.splice(best, 1);
      this.reused++;
    } else {
      ab = new ArrayBuffer(length);
      this.issued.add(ab);
    }
    return Buffer.from(ab, 0, length);
  }

  /** Whether `ab` came from this pool. */
  owns(ab: ArrayBufferLike): boolean {
    return ab instanceof ArrayBuffer && this.issued.has(ab);
  }

  /**
   * Take back a buffer from {@link acquire} whose contents nobody reads any more. Anything
   * else (not ours, already free, detached) is ignored.
   */
  release(ab: ArrayBufferLike): void {
    if (!(ab instanceof ArrayBuffer) || !this.issued.has(ab) || ab.byteLength === 0 || ab.byteLength > MAX_KEPT_BYTES) return;
    if (this.free.includes(ab)) return;
    if (this.free.length < MAX_FREE) {
      this.free.push(ab);
      return;
    }
    // Keep the largest: a frame fits in any free buffer at least its size.
    let smallest = 0;
    for (let i = 1; i < this.free.length; i++) if (this.free[i]!.byteLength < this.free[smallest]!.byteLength) smallest = i;
    if (this.free[smallest]!.byteLength < ab.byteLength) this.free[smallest] = ab;
  }
}

/** The process-wide pool of the main thread. */
export const bodyPool = new BodyPool();

/** Frames at least this large (bytes) are joined into pool buffers. */
export const POOLED_FRAME_MIN_BYTES = 64 * 1024;

/** `SegmentDecoder` allocateFrame: large frames from the pool, small ones fresh. */
export function allocateFrame(length: number): Buffer {
  return length >= POOLED_FRAME_MIN_BYTES ? bodyPool.acquire(length) : Buffer.allocUnsafe(length);
}
