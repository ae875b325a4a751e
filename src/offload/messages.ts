// Messages between the offload pool (main thread) and its workers. Types only.

/** How a job is made to fail, for tests (see `OffloadPoolOptions.faultInjection`). */
export type OffloadFault = 'throw' | 'exit' | 'hang';

/** Main → worker: one response frame to decompress (v4) and decode. */
export interface OffloadJob {
  readonly id: number;
  readonly version: number;
  readonly flags: number;
  readonly opcode: number;
  /** The frame body, transferred: bytes [offset, offset + length). */
  readonly body: ArrayBuffer;
  readonly offset: number;
  readonly length: number;
  /** The v4 body is LZ4-compressed (flag `COMPRESSION` set): decompress it first. */
  readonly compressed: boolean;
  /** Largest decompressed body accepted. */
  readonly maxFrameSize: number;
  /**
   * v5 deferred segments (`Frame.deferred`): `body` holds the verified head, then each segment
   * payload as received, in order; these describe the payloads.
   */
  readonly segments?: readonly { readonly length: number; readonly crc32: number; readonly uncompressedLength: number }[];
  /** Bytes of the verified head at the start of `body` (with `segments`). */
  readonly headLength?: number;
  readonly fault?: OffloadFault;
  /** Buffers of consumed pages handed back with this job (see {@link OffloadRecycle}), transferred. */
  readonly recycle?: readonly ArrayBuffer[];
}

/**
 * Main → worker: buffers of consumed pages handed back (transferred). Detaching them frees
 * their memory from the main thread's heap accounting at once, instead of by a full garbage
 * collection; the worker writes later bodies into them.
 */
export interface OffloadRecycle {
  readonly recycle: readonly ArrayBuffer[];
  readonly id?: undefined;
}

/** Any message from the main thread to a worker. */
export type OffloadRequest = OffloadJob | OffloadRecycle;

/** Worker → main: the decompressed body and, for Rows, where each cell lies. */
export interface OffloadDone {
  readonly id: number;
  readonly ok: true;
  /** Frame flags with `COMPRESSION` cleared. */
  readonly flags: number;
  /** The (decompressed) body, transferred back: bytes [offset, offset + length). */
  readonly body: ArrayBuffer;
  readonly offset: number;
  readonly length: number;
  /**
   * Rows results: two int32 per cell in row-major order, the cell's start (relative to the
   * rows content) and its length (-1 for null). Absent for other results.
   */
  readonly cells?: Int32Array;
}

/** Worker → main: the frame could not be decoded (a typed protocol error). */
export interface OffloadFailed {
  readonly id: number;
  readonly ok: false;
  readonly code: string;
  readonly message: string;
}

/** Worker → main, once: the worker is loaded and listening. */
export interface OffloadReady {
  readonly ready: true;
}

/** Any worker reply. */
export type OffloadReply = OffloadDone | OffloadFailed | OffloadReady;
