// Test data for the offload tests.

/**
 * `length` pseudo-random lowercase letters from `seed`: text LZ4 barely compresses, so a page of
 * it is about as large on the wire as decoded (offload goes by the size on the wire).
 */
export function incompressibleText(seed: number, length: number): string {
  let x = (seed * 2654435761 + 1) >>> 0;
  let s = '';
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    s += String.fromCharCode(97 + (x >>> 24) % 26);
  }
  return s;
}
