// An offload worker: decompresses (v4 LZ4) and decodes large RESULT frames off the main thread.
// It answers with the decompressed body (transferred back, not copied) and, for Rows, a table
// of where each cell lies, from which the main thread builds the row objects (see pool.ts for
// why rows are not sent as objects).
import { parentPort } from 'node:worker_threads';
import { CqlwireError, FrameFlag, Opcode, ProtocolErrorCode, cellTable, completeDeferredFrame, decodeResponse, decompressV4Body, lz4Compressor, verifyUncompressedDeferred, type Compressor, type DeferredSegment } from '../../protocol/index.js';
import { loadLz4Napi } from '../native/lz4-napi.js';
import type { OffloadJob, OffloadReply, OffloadRequest } from './messages.js';

const port = parentPort;
if (port === null) throw new Error('src/offload/worker is meant to run in a worker thread');

let compressor: Compressor | undefined;

/** Buffers of consumed pages the main thread handed back, reused for later bodies. */
const spares: ArrayBuffer[] = [];
const MAX_SPARES = 4;

function keepSpares(buffers: readonly ArrayBuffer[]): void {
  for (const b of buffers) {
    if (b.byteLength < 4096) continue;
    if (spares.length < MAX_SPARES) spares.push(b);
    else {
      // Keep the largest ones: a body fits in any spare at least its size.
      let smallest = 0;
      for (let i = 1; i < spares.length; i++) if (spares[i]!.byteLength < spares[smallest]!.byteLength) smallest = i;
      if (spares[smallest]!.byteLength < b.byteLength) spares[smallest] = b;
    }
  }
}

/** The smallest spare of at least `length` bytes (removed from the list), or a fresh buffer. */
function bodyBuffer(length: number): ArrayBuffer {
  let best = -1;
  for (let i = 0; i < spares.length; i++) {
    const n = spares[i]!.byteLength;
    if (n >= length && (best < 0 || n < spares[best]!.byteLength)) best = i;
  }
  if (best < 0) return new ArrayBuffer(length);
  const b = spares[best]!;
  spares.splice(best, 1);
  return b;
}

/** A view whose ArrayBuffer holds nothing else, so it can be transferred without detaching other data. */
function ownedBytes(buf: Buffer): { body: ArrayBuffer; offset: number; length: number } {
  const ab = buf.buffer;
  if (ab instanceof ArrayBuffer && ab.byteLength - buf.byteLength <= 16 && buf.byteLength >= 4096) {
    return { body: ab, offset: buf.byteOffset, length: buf.byteLength };
  }
  const copy = bodyBuffer(buf.byteLength);
  new Uint8Array(copy, 0, buf.byteLength).set(buf);
  return { body: copy, offset: 0, length: buf.byteLength };
}

function handle(job: OffloadJob): void {
  if (job.fault === 'throw') throw new Error('injected worker fault');
  if (job.fault === 'exit') process.exit(3);
  if (job.fault === 'hang') for (;;); // never answers: the pool's watchdog must notice
  let reply: OffloadReply;
  const transfer: ArrayBuffer[] = [];
  // The ArrayBuffer this job's body was written into, when it holds that body alone.
  let ownedOutput: ArrayBuffer | null = null;
  // The body is the job's own bytes, unchanged (uncompressed v4, or v5 segments without compression).
  let inPlace = false;
  try {
    let body: Buffer = Buffer.from(job.body, job.offset, job.length);
    let flags = job.flags;
    if (job.segments !== undefined) {
      // v5: segments left unverified by the connection's decoder: check, inflate, join.
      let at = job.headLength ?? 0;
      const segments: DeferredSegment[] = job.segments.map((s) => {
        const payload = body.subarray(at, at + s.length);
        at += s.length;
        return { payload, crc32: s.crc32, uncompressedLength: s.uncompressedLength };
      });
      const deferred = { head: body.subarray(0, job.headLength ?? 0), segments };
      if (verifyUncompressedDeferred(deferred)) {
        // Head and payloads lie back to back in the job's buffer: that is the body already.
        inPlace = true;
      } else {
        compressor ??= loadLz4Napi() ?? lz4Compressor;
        let owned: ArrayBuffer | null = null;
        body = completeDeferredFrame(deferred, compressor, (n) => {
          owned = bodyBuffer(n);
          return Buffer.from(owned, 0, n);
        });
        if (owned !== null) ownedOutput = owned;
      }
    } else if (job.compressed) {
      compressor ??= loadLz4Napi() ?? lz4Compressor;
      body = decompressV4Body(compressor, body, job.maxFrameSize);
      flags &= ~FrameFlag.COMPRESSION;
    }
    const env = decodeResponse({ version: job.version, flags, opcode: job.opcode, body });
    let cells: Int32Array | undefined;
    const m = env.message;
    if (m.opcode === Opcode.RESULT && m.result.kind === 'rows') cells = cellTable(m.result);
    const bytes =
      ownedOutput !== null
        ? { body: ownedOutput, offset: 0, length: body.length }
        : inPlace || (!job.compressed && job.segments === undefined)
          ? { body: job.body, offset: job.offset, length: job.length }
          : ownedBytes(body);
    reply = { id: job.id, ok: true, flags, ...bytes, cells };
    transfer.push(bytes.body);
    if (cells !== undefined) transfer.push(cells.buffer as ArrayBuffer);
  } catch (err) {
    reply = {
      id: job.id,
      ok: false,
      code: CqlwireError.is(err) ? err.code : ProtocolErrorCode.MALFORMED,
      message: err instanceof Error ? err.message : String(err),
    };
  }
  port!.postMessage(reply, transfer);
}

port.on('message', (message: OffloadRequest) => {
  if (message.recycle !== undefined) keepSpares(message.recycle);
  if (message.id !== undefined) handle(message);
});
port.postMessage({ ready: true } satisfies OffloadReply);
