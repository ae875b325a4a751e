// The main thread's pool of frame buffers: whole ArrayBuffers handed out and taken back only
// when they are its own, never twice, within its size bounds.
import { expect, test } from 'vitest';
import { BodyPool } from '../../src/buffers/body-pool.js';

test('a released buffer is handed out again for a frame that fits; foreign, double and detached releases are ignored', () => {
  const pool = new BodyPool();
  const a = pool.acquire(100_000);
  expect(a.length).toBe(100_000);
  expect(a.buffer.byteLength).toBe(100_000);
  expect(pool.owns(a.buffer)).toBe(true);
  expect(pool.owns(new ArrayBuffer(100_000))).toBe(false);

  pool.release(a.buffer);
  pool.release(a.buffer); // twice: must not be handed out to two frames
  pool.release(new ArrayBuffer(200_000)); // not ours
  const b = pool.acquire(90_000);
  expect(b.buffer).toBe(a.buffer);
  expect(b.length).toBe(90_000);
  expect(pool.reused).toBe(1);
  const c = pool.acquire(90_000);
  expect(c.buffer).not.toBe(a.buffer);

  // Too small, or more than twice the size asked: a new buffer.
  pool.release(b.buffer);
  expect(pool.acquire(100_001).buffer).not.toBe(a.buffer);
  expect(pool.acquire(40_000).buffer).not.toBe(a.buffer);
  expect(pool.acquire(60_000).buffer).toBe(a.buffer);

  // A detached buffer (transferred away) is not kept.
  const d = pool.acquire(70_000);
  structuredClone(d.buffer, { transfer: [d.buffer as ArrayBuffer] });
  pool.release(d.buffer);
  expect(pool.acquire(70_000).buffer.byteLength).toBe(70_000);
  expect(pool.reused).toBe(2);
});

test('at most 4 free buffers are kept, the largest ones', () => {
  const pool = new BodyPool();
  const sizes = [100_000, 200_000, 300_000, 400_000, 500_000];
  const bufs = sizes.map((n) => pool.acquire(n).buffer);
  for (const b of bufs) pool.release(b);
  // The smallest (100 kB) was dropped: a 100 kB frame gets a new buffer (200 kB is 2× — still fits).
  expect(pool.acquire(100_000).buffer).toBe(bufs[1]);
  expect(pool.acquire(100_000).buffer).not.toBe(bufs[0]);
});
