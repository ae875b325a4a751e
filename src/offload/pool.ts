// The offload stage: a pool of worker_threads that decompress and decode large RESULT frames,
// so the event loop stays responsive while big pages arrive. Optional (ClientOptions.offload).
//
// Transport, chosen by measurement (bench/offload/transport.ts): receiving decoded row objects
// by structured clone costs the main thread 1.5–7× more than decoding the rows inline (5 MB
// page of 1 KB text rows: 22–46 ms to deserialize vs 4–12 ms to decode), so rows never cross
// threads as objects. The worker sends back the decompressed body (its ArrayBuffer transferred,
// no copy) and a transferred Int32Array locating every cell (`cellTable`); the main thread
// builds each row with the column's compiled decoder straight from that table (0.55–1.1× the
// inline cost). Strings stay bytes until then: a string[] cloned from the worker cost more to
// receive than decoding the same text on the main thread.
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  FrameFlag,
  Opcode,
  ProtocolError,
  ProtocolErrorCode,
  decodeResponse,
  type Frame,
  type ResponseEnvelope,
  type RowsMetadata,
  type RowsResult,
} from '../../protocol/index.js';
import { WorkerFailedError } from '../errors/driver-errors.js';
import type { OffloadFault, OffloadJob, OffloadRecycle, OffloadReply } from './messages.js';

/** Public settings of the offload stage (`ClientOptions.offload`). */
export interface OffloadOptions {
  /** Worker threads. 0 decodes everything inline on the event loop (the default: no `offload`). */
  readonly workers: number;
  /**
   * RESULT frames at least this large on the wire (compressed size) go to a worker. Default
   * 128 KiB. Protocol v5 offloads only frames spread over several segments (larger than
   * 128 KiB decoded): one that fits a segment is already verified and inflated on arrival.
   */
  readonly minBytes?: number;
  /**
   * Where the worker module is, for a bundled app: a `file:` URL or a path of cqlwire's worker
   * (`cqlwire/dist/src/offload/worker.js`) bundled as an entry point of its own. Default: the
   * worker beside this module, found as `new URL('./worker.js', import.meta.url)`, a form
   * webpack and Vite follow; esbuild does not, so name it there.
   */
  readonly workerUrl?: string | URL;
}

/** What a fault-injection hook sees of a job. */
export interface OffloadJobInfo {
  /** Sequence number of the job in this pool, from 1. */
  readonly seq: number;
  /** Stream id of the frame. */
  readonly stream: number;
  /** Body size in bytes. */
  readonly bytes: number;
}

/** Pool settings, including internal ones for tests and benchmarks. */
export interface OffloadPoolOptions extends OffloadOptions {
  /** A worker that holds jobs and answers none for this long is declared hung and replaced. Default 30000 ms. */
  readonly hangTimeoutMs?: number;
  /** @internal Tests: make the worker throw, exit or hang on chosen jobs. */
  readonly faultInjection?: (job: OffloadJobInfo) => OffloadFault | undefined;
  /** @internal Tests: run this file as the worker instead of worker.js / worker.ts. */
  readonly workerPath?: string;
}

/** Default of {@link OffloadOptions.minBytes}. */
export const DEFAULT_OFFLOAD_MIN_BYTES = 128 * 1024;
const FRAME_HEADER_LENGTH = 9;
/** Consumed-page buffers held for the next job at most: more go back on their own. */
const MAX_RETURNED = 8;
/** How long consumed-page buffers wait for a job to ride along with, ms. */
const RECYCLE_FLUSH_MS = 20;
/** Time a new worker gets to load (from the TypeScript sources under tsx it compiles first). */
const STARTUP_GRACE_MS = 30_000;

/**
 * A Rows result decoded by an offload worker, as the pool hands it back (the `result` of the
 * answer's RESULT message): the rows result itself, where each of its cells lies, and how to
 * give its buffers back once the rows are read.
 */
export class WorkerRows implements RowsResult {
  /** Always `'rows'`. */
  readonly kind = 'rows';
  /** @inheritDoc */
  readonly metadata: RowsMetadata;
  /** @inheritDoc */
  readonly rowCount: number;
  /** @inheritDoc */
  readonly rowsContent: Buffer;

  /**
   * @param result the rows result decoded from the body the worker sent back.
   * @param recycle hands body and cell table back to the worker; null while a custom payload may
   *   still view the body.
   */
  constructor(
    result: RowsResult,
    /** Two int32 per cell in row-major order: start in `rowsContent`, length (-1 for null). */
    readonly cells: Int32Array,
    private recycle: (() => void) | null,
  ) {
    this.metadata = result.metadata;
    this.rowCount = result.rowCount;
    this.rowsContent = result.rowsContent;
  }

  /**
   * The rows are read and dropped: the buffers go back to the worker for later bodies
   * (transferred, so `rowsContent` is detached afterwards). Does nothing when a custom payload
   * may still view the body, or the second time.
   */
  release(): void {
    const recycle = this.recycle;
    this.recycle = null;
    recycle?.();
  }
}

/**
 * A Rows result whose frame went to an offload worker, as a connection answers it at once: its
 * metadata (paging state included) and row count read from the frame's first segment, so that
 * the page after it can be asked for while the worker decodes; its rows when the worker is done
 * ({@link rows}).
 */
export class OffloadedRowsResult implements RowsResult {
  /** Always `'rows'`. */
  readonly kind = 'rows';
  /** @inheritDoc */
  readonly metadata: RowsMetadata;
  /** @inheritDoc */
  readonly rowCount: number;
  /** The rows, located by the worker; rejects with its error (WorkerFailedError, ProtocolError). */
  readonly rows: Promise<WorkerRows>;

  /**
   * @param header what the frame's first segment says (see `peekRowsHeader`).
   * @param decoded the pool's answer for the frame.
   */
  constructor(header: Pick<RowsResult, 'metadata' | 'rowCount'>, decoded: Promise<ResponseEnvelope>) {
    this.metadata = header.metadata;
    this.rowCount = header.rowCount;
    this.rows = decoded.then((env) => {
      const m = env.message;
      if (m.opcode === Opcode.RESULT && m.result instanceof WorkerRows) return m.result;
      throw new ProtocolError(ProtocolErrorCode.MALFORMED, 'the offloaded frame did not decode to the Rows result its first segment announced');
    });
    // Whoever builds the page reads the outcome; an answer nobody builds a page of (a speculative
    // execution that lost) must not leave an unhandled rejection.
    this.rows.catch(() => undefined);
  }

  /** Not here: the worker has the body. Read the rows from {@link rows}. */
  get rowsContent(): Buffer {
    throw new Error('the rows of an offloaded result are read from its `rows` promise');
  }
}

interface Pending {
  readonly resolve: (env: ResponseEnvelope) => void;
  readonly reject: (err: Error) => void;
  readonly version: number;
  readonly opcode: number;
}

class Slot {
  readonly jobs = new Map<number, Pending>();
  /** Last time this worker answered, became ready, or was handed work while idle. */
  lastProgress = performance.now();
  /** The worker has loaded its code (its start-up is not counted as a hang). */
  ready = false;
  failed = false;
  constructor(readonly worker: Worker) {}
}

// The worker file lies next to this module with the same extension: .js from dist/, .ts when
// running from the sources (tsx, vitest). A .ts worker needs tsx in its own thread: Node 20 does
// not apply `--import tsx` (module.register hooks) to workers, so a small CommonJS bootstrap
// installs tsx's require hook and requires the worker (tsx compiles it to CommonJS).
const workerPath = fileURLToPath(extname(fileURLToPath(import.meta.url)) === '.ts' ? new URL('./worker.ts', import.meta.url) : new URL('./worker.js', import.meta.url));

// Workers start with no Node flags of their own. Passing the process's flags on would fail for
// V8 and process-wide ones (`--max-old-space-size`, `--trace-gc`: ERR_WORKER_INVALID_EXEC_ARGV)
// and `--input-type` (a `node -e` script) would stop the worker; its code needs none of them.
const execArgv: string[] = [];

function startWorker(path: string): Worker {
  if (!path.endsWith('.ts')) return new Worker(path, { execArgv });
  const tsxApi = createRequire(import.meta.url).resolve('tsx/cjs/api');
  const bootstrap = `require(${JSON.stringify(tsxApi)}).register(); require(${JSON.stringify(path)});`;
  return new Worker(bootstrap, { eval: true, execArgv });
}

/**
 * A pool of decode workers. `decode(frame)` resolves with the response envelope, as
 * `decodeResponse` would, except that a Rows result comes as a {@link WorkerRows}: its cells
 * already located, its buffers to give back. A worker that crashes, exits or hangs fails its
 * jobs with {@link WorkerFailedError} and is replaced.
 */
export class OffloadPool {
  /** Frames at least this large (body bytes) are offloaded. */
  readonly minBytes: number;
  private readonly slots: Slot[] = [];
  private readonly hangTimeoutMs: number;
  private readonly fault: OffloadPoolOptions['faultInjection'];
  private readonly workerPath: string;
  private nextId = 1;
  private seq = 0;
  private recycleNext = 0;
  /** Buffers of consumed pages not yet handed back (see {@link recycle}). */
  private returned: ArrayBuffer[] = [];
  private returnTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private watchdog: NodeJS.Timeout | null = null;
  private idleWaiters: (() => void)[] = [];
  /** Workers started so far, replacements included. */
  started = 0;
  /** Jobs answered by a worker so far (decoded or failed with a protocol error). */
  completed = 0;
  /** Pages whose buffers were handed back to a worker after their stream consumed them. */
  recycled = 0;

  constructor(options: OffloadPoolOptions) {
    const workers = Math.floor(options.workers);
    if (!(workers >= 1 && workers <= 64)) throw new RangeError(`offload.workers must be 1..64, got ${options.workers}`);
    this.minBytes = Math.max(0, options.minBytes ?? DEFAULT_OFFLOAD_MIN_BYTES);
    this.hangTimeoutMs = options.hangTimeoutMs ?? 30_000;
    this.fault = options.faultInjection;
    const url = options.workerUrl;
    this.workerPath = options.workerPath ?? (url === undefined ? workerPath : url instanceof URL || url.startsWith('file:') ? fileURLToPath(url) : url);
    for (let i = 0; i < workers; i++) this.slots.push(this.spawn());
  }

  /** Number of workers. */
  get size(): number {
    return this.slots.length;
  }

  /** Jobs sent to workers and not answered yet. */
  get pending(): number {
    let n = 0;
    for (const s of this.slots) n += s.jobs.size;
    return n;
  }

  /**
   * Whether a frame should go to a worker: a RESULT of at least {@link minBytes} on the wire —
   * v5: the segment decoder deferred it (`deferFramesFrom`); v4: its body, compressed or not —
   * and a worker exists (none is left when they cannot start: then everything is decoded inline).
   * A v5 frame the decoder did not defer is already verified and inflated: nothing left to offload.
   */
  accepts(frame: Frame): boolean {
    if (this.closed || this.slots.length === 0 || frame.opcode !== Opcode.RESULT) return false;
    return frame.deferred !== undefined || (frame.version < 5 && frame.body.length >= this.minBytes);
  }

  /**
   * Decompress (v4 frames still flagged `COMPRESSION`) and decode `frame` in a worker. Its body
   * is transferred when it owns its ArrayBuffer, copied once otherwise; do not use it after.
   */
  decode(frame: Frame, maxFrameSize: number): Promise<ResponseEnvelope> {
    return new Promise<ResponseEnvelope>((resolve, reject) => {
      if (this.closed || this.slots.length === 0) {
        reject(new WorkerFailedError('terminated', this.closed ? 'the offload pool is closed' : 'no offload worker could be started'));
        return;
      }
      let slot = this.slots[0]!;
      for (const s of this.slots) if (s.jobs.size < slot.jobs.size) slot = s;
      const id = this.nextId++;
      const body = frame.body;
      let ab: ArrayBuffer;
      let offset: number;
      let length = body.byteLength;
      const buffer = body.buffer;
      const deferred = frame.deferred;
      let segments: OffloadJob['segments'];
      if (deferred !== undefined) {
        // v5 segments as received (views of socket chunks): one copy into a buffer to transfer;
        // the worker checks their CRC32 and inflates them.
        length = deferred.head.length;
        for (const s of deferred.segments) length += s.payload.length;
        ab = new ArrayBuffer(length);
        const bytes = new Uint8Array(ab);
        bytes.set(deferred.head, 0);
        let at = deferred.head.length;
        for (const s of deferred.segments) {
          bytes.set(s.payload, at);
          at += s.payload.length;
        }
        offset = 0;
        segments = deferred.segments.map((s) => ({ length: s.payload.length, crc32: s.crc32, uncompressedLength: s.uncompressedLength }));
      } else if (buffer instanceof ArrayBuffer && body.byteLength >= 4096 && buffer.byteLength - body.byteLength <= FRAME_HEADER_LENGTH) {
        // Transfer only an ArrayBuffer that holds this frame alone (a reassembled frame); a view
        // of a socket chunk or a segment payload shares its buffer with other bytes: copy it.
        ab = buffer;
        offset = body.byteOffset;
      } else {
        ab = new ArrayBuffer(body.byteLength);
        new Uint8Array(ab).set(body);
        offset = 0;
      }
      const job: OffloadJob = {
        id,
        version: frame.version,
        flags: frame.flags,
        opcode: frame.opcode,
        body: ab,
        offset,
        length,
        compressed: frame.version < 5 && (frame.flags & FrameFlag.COMPRESSION) !== 0,
        maxFrameSize,
        segments,
        headLength: deferred?.head.length,
        fault: this.fault?.({ seq: ++this.seq, stream: frame.stream, bytes: length }),
        recycle: this.takeReturned(),
      };
      if (slot.jobs.size === 0) {
        slot.lastProgress = performance.now();
        slot.worker.ref();
      }
      slot.jobs.set(id, { resolve, reject, version: frame.version, opcode: frame.opcode });
      slot.worker.postMessage(job, job.recycle === undefined ? [ab] : [ab, ...job.recycle]);
      this.startWatchdog();
    });
  }

  /**
   * Hand the buffers of a consumed page back to a worker (transferred: they become unusable
   * here), for it to write later bodies into. They ride along with the next job — one message
   * per page instead of two — or go on their own after {@link RECYCLE_FLUSH_MS} without one.
   */
  recycle(buffers: readonly ArrayBuffer[]): void {
    if (this.closed) return;
    for (const b of buffers) if (b.byteLength > 0) this.returned.push(b);
    this.recycled++;
    if (this.returned.length >= MAX_RETURNED) this.flushReturned();
    else if (this.returned.length > 0 && this.returnTimer === null) {
      this.returnTimer = setTimeout(() => this.flushReturned(), RECYCLE_FLUSH_MS);
      this.returnTimer.unref();
    }
  }

  /** The buffers waiting to go back to a worker, taken (with its next job). */
  private takeReturned(): ArrayBuffer[] | undefined {
    if (this.returnTimer !== null) clearTimeout(this.returnTimer);
    this.returnTimer = null;
    if (this.returned.length === 0) return undefined;
    return this.returned.splice(0);
  }

  private flushReturned(): void {
    const buffers = this.takeReturned();
    if (buffers === undefined || this.closed) return;
    const slot = this.slots[this.recycleNext++ % this.slots.length];
    if (slot === undefined || slot.failed) return;
    const message: OffloadRecycle = { recycle: buffers };
    slot.worker.postMessage(message, buffers);
  }

  /** Wait for the jobs in progress, then stop the workers. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.pending > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await this.terminateAll();
  }

  /** Stop the workers at once; jobs in progress fail with {@link WorkerFailedError}. */
  async destroy(): Promise<void> {
    this.closed = true;
    for (const s of this.slots) this.failSlot(s, new WorkerFailedError('terminated', 'the offload pool was destroyed'), false);
    await this.terminateAll();
  }

  private async terminateAll(): Promise<void> {
    this.takeReturned();
    if (this.watchdog !== null) clearInterval(this.watchdog);
    this.watchdog = null;
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate().catch(() => undefined)));
  }

  private spawn(): Slot {
    const worker = startWorker(this.workerPath);
    this.started++;
    const slot = new Slot(worker);
    worker.unref();
    worker.on('message', (reply: OffloadReply) => this.onReply(slot, reply));
    worker.on('error', (err) => this.replace(slot, new WorkerFailedError('crashed', `offload worker crashed: ${err.message}`, err)));
    worker.on('exit', (code) => this.replace(slot, new WorkerFailedError('exited', `offload worker exited with code ${code}`)));
    return slot;
  }

  private onReply(slot: Slot, reply: OffloadReply): void {
    if ('ready' in reply) {
      slot.ready = true;
      slot.lastProgress = performance.now();
      return;
    }
    const p = slot.jobs.get(reply.id);
    if (p === undefined || slot.failed) return;
    slot.jobs.delete(reply.id);
    slot.lastProgress = performance.now();
    this.completed++;
    if (slot.jobs.size === 0) slot.worker.unref();
    if (reply.ok) {
      try {
        const body = Buffer.from(reply.body, reply.offset, reply.length);
        const env = decodeResponse({ version: p.version, flags: reply.flags, opcode: p.opcode, body });
        const m = env.message;
        if (reply.cells !== undefined && m.opcode === Opcode.RESULT && m.result.kind === 'rows') {
          // The rows are the only views of the body left once decoded (paging state and
          // metadata id are copies), unless a custom payload still points into it.
          const buffers = [reply.body, reply.cells.buffer as ArrayBuffer];
          const recycle = env.customPayload === undefined ? () => this.recycle(buffers) : null;
          p.resolve({ ...env, message: { opcode: Opcode.RESULT, result: new WorkerRows(m.result, reply.cells, recycle) } });
        } else {
          p.resolve(env);
        }
      } catch (err) {
        p.reject(err instanceof Error ? err : new Error(String(err)));
      }
    } else {
      p.reject(new ProtocolError(reply.code as ProtocolErrorCode, reply.message));
    }
    this.checkIdle();
  }

  /** Fail a worker's jobs and start another in its place. */
  private replace(slot: Slot, error: WorkerFailedError): void {
    if (slot.failed) return;
    this.failSlot(slot, error, true);
    const i = this.slots.indexOf(slot);
    if (i >= 0) {
      // A worker that failed before it was ready (cannot load, e.g. a broken install) is not
      // restarted, or it would fail again in a loop; with no worker left, frames stay inline.
      if (this.closed || !slot.ready) this.slots.splice(i, 1);
      else this.slots[i] = this.spawn();
    }
    this.checkIdle();
  }

  private failSlot(slot: Slot, error: WorkerFailedError, terminate: boolean): void {
    slot.failed = true;
    slot.worker.removeAllListeners('message');
    slot.worker.on('error', () => undefined); // a late error of a dead worker goes nowhere
    const jobs = [...slot.jobs.values()];
    slot.jobs.clear();
    if (terminate) void slot.worker.terminate().catch(() => undefined);
    for (const p of jobs) p.reject(error);
  }

  private checkIdle(): void {
    if (this.pending === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  private startWatchdog(): void {
    if (this.watchdog !== null) return;
    const tick = Math.max(10, Math.min(1000, this.hangTimeoutMs / 4));
    this.watchdog = setInterval(() => {
      const now = performance.now();
      let busy = false;
      for (const s of [...this.slots]) {
        if (s.jobs.size === 0) continue;
        busy = true;
        if (now - s.lastProgress > this.hangTimeoutMs + (s.ready ? 0 : STARTUP_GRACE_MS)) {
          this.replace(s, new WorkerFailedError('hung', `offload worker did not answer for ${this.hangTimeoutMs} ms`));
        }
      }
      if (!busy && this.watchdog !== null) {
        clearInterval(this.watchdog);
        this.watchdog = null;
      }
    }, tick);
    this.watchdog.unref();
  }
}
