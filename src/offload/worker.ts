// An offload worker: decompresses (v4 LZ4) and decodes large RESULT frames off the main thread.
// It answers with the decompressed body (transferred back, not copied) and, for Rows, a table
// of where each cell lies, from which the main thread builds the row objects (see rows.ts for
// why rows are not sent as objects).
import { parentPort } from 'node:worker_threads';
import {
  CqlwireError,
  FrameFlag,
  Opcode,
  ProtocolErrorCode,
  completeDeferredFrame,
  decodeResponse,
  decompressV4Body,
  lz4Compressor,
  type Compressor,
  type DeferredSegment,
} from '../../protocol/index.js';
import { loadLz4Napi } from '../compression.js';
import type { OffloadJob, OffloadReply } from './messages.js';
import { cellTable } from './rows.js';

const port = parentPort;
if (port === null) throw new Error('src/offload/worker is meant to run in a worker thread');

let compressor: Compressor | undefined;

/** A view whose ArrayBuffer holds nothing else, so it can be transferred without detaching other data. */
function ownedBytes(buf: Buffer): { body: ArrayBuffer; offset: number; length: number } {
  const ab = buf.buffer;
  if (ab instanceof ArrayBuffer && ab.byteLength - buf.byteLength <= 16 && buf.byteLength >= 4096) {
    return { body: ab, offset: buf.byteOffset, length: buf.byteLength };
  }
  const copy = new ArrayBuffer(buf.byteLength);
  new Uint8Array(copy).set(buf);
  return { body: copy, offset: 0, length: buf.byteLength };
}

function handle(job: OffloadJob): void {
  if (job.fault === 'throw') throw new Error('injected worker fault');
  if (job.fault === 'exit') process.exit(3);
  if (job.fault === 'hang') for (;;); // never answers: the pool's watchdog must notice
  let reply: OffloadReply;
  const transfer: ArrayBuffer[] = [];
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
      if (segments.some((s) => s.uncompressedLength > 0)) compressor ??= loadLz4Napi() ?? lz4Compressor;
      body = completeDeferredFrame({ head: body.subarray(0, job.headLength ?? 0), segments }, compressor);
    } else if (job.compressed) {
      compressor ??= loadLz4Napi() ?? lz4Compressor;
      body = decompressV4Body(compressor, body, job.maxFrameSize);
      flags &= ~FrameFlag.COMPRESSION;
    }
    const env = decodeResponse({ version: job.version, flags, opcode: job.opcode, body });
    let cells: Int32Array | undefined;
    const m = env.message;
    if (m.opcode === Opcode.RESULT && m.result.kind === 'rows') cells = cellTable(m.result);
    const bytes = job.compressed || job.segments !== undefined ? ownedBytes(body) : { body: job.body, offset: job.offset, length: job.length };
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

port.on('message', handle);
port.postMessage({ ready: true } satisfies OffloadReply);
