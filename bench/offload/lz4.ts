// Which LZ4 decoder to use for a block, by how much it expands (protocol/compression.ts,
// LZ4_TS_MIN_EXPANSION): lz4-napi against the TypeScript codec writing straight into the
// destination, on 5 MB of text in 128 KiB blocks (v5 segment payloads) at compression ratios
// from ~1/200 to ~1/1. Single process, no server; prints the machine, then one line per ratio
// with the median of 5 repeats (each 20 decodes of the page after a warm-up).
//
//   node --import tsx bench/offload/lz4.ts
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { createLz4NapiCompressor, type Lz4NapiModule } from '../../protocol/index.js';
// The raw block decoder is not part of the package API; the bench measures it directly.
import { lz4DecompressInto } from '../../protocol/lz4.js';
import { formatMachine, machineInfo } from '../lib/machine.js';

const lz4napi = createRequire(import.meta.url)('lz4-napi') as Lz4NapiModule;
const napi = createLz4NapiCompressor(lz4napi);
const SEGMENT = 128 * 1024 - 1;
const PAGE = 5_000_000;
const words = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua'.split(' ');

/** Text of words with a random hex token of `tokenBytes` every `every` words. */
function page(every: number, tokenBytes: number): Buffer {
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < PAGE; i++) {
    let s = words[(i * 7 + (i >> 3)) % words.length]! + ' ';
    if (i % every === 0) s += randomBytes(tokenBytes).toString('hex') + ' ';
    parts.push(s);
    length += s.length;
  }
  return Buffer.from(parts.join('').slice(0, PAGE));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

console.log(formatMachine(machineInfo()));
console.log('ratio (compressed/raw)   expansion   napi ms/page   ts ms/page   ts/napi');
for (const [every, tokenBytes] of [[1000, 4], [200, 4], [50, 4], [20, 4], [10, 4], [5, 4], [2, 4], [1, 4], [1, 16]] as const) {
  const raw = page(every, tokenBytes);
  const blocks: { bytes: Buffer; length: number }[] = [];
  for (let at = 0; at < raw.length; at += SEGMENT) {
    const s = raw.subarray(at, at + SEGMENT);
    blocks.push({ bytes: napi.compress(s), length: s.length });
  }
  const out = Buffer.allocUnsafe(raw.length);
  const viaNapi = (): void => {
    let at = 0;
    for (const b of blocks) {
      // The adapter's native path, forced: decompress() would pick the TypeScript codec for
      // blocks past the threshold.
      const prefixed = Buffer.allocUnsafe(4 + b.bytes.length);
      prefixed.writeUInt32LE(b.length, 0);
      prefixed.set(b.bytes, 4);
      out.set(lz4napi.uncompressSync(prefixed), at);
      at += b.length;
    }
  };
  const viaTs = (): void => {
    let at = 0;
    for (const b of blocks) {
      lz4DecompressInto(b.bytes, out, at, b.length);
      at += b.length;
    }
  };
  const times: Record<'napi' | 'ts', number[]> = { napi: [], ts: [] };
  for (let repeat = 0; repeat < 5; repeat++) {
    for (const [name, fn] of [['napi', viaNapi], ['ts', viaTs]] as const) {
      for (let i = 0; i < 3; i++) fn();
      const t0 = performance.now();
      for (let i = 0; i < 20; i++) fn();
      times[name].push((performance.now() - t0) / 20);
    }
  }
  viaTs();
  if (!out.equals(raw)) throw new Error('TypeScript decode differs');
  const compressed = blocks.reduce((n, b) => n + b.bytes.length, 0);
  const napiMs = median(times.napi);
  const tsMs = median(times.ts);
  console.log(
    `${(compressed / raw.length).toFixed(3).padStart(22)}   ${(raw.length / compressed).toFixed(1).padStart(9)}   ${napiMs.toFixed(2).padStart(12)}   ${tsMs.toFixed(2).padStart(10)}   ${(tsMs / napiMs).toFixed(2).padStart(7)}`,
  );
}
