// The parts of a message body that precede the message itself (spec §2.2 flags, v5 §4):
//   response: [<tracing_id>][<warnings>][<custom_payload>]<message>
//   request:  [<custom_payload>]<message>
// Each is present only when its header flag is set, in this order.
import type { Reader, Writer } from '../buffer.js';
import { FrameFlag } from '../constants.js';
import { encodeError } from './util.js';

/** Custom payload of a request or response: key → bytes (or null). */
export type CustomPayload = Readonly<Record<string, Uint8Array | null>>;

/** What precedes a response message, already parsed. */
export interface ResponsePreamble {
  /** Tracing session id as a canonical lowercase UUID string (flag TRACING). */
  readonly tracingId?: string;
  /** Server warnings (flag WARNING). */
  readonly warnings?: readonly string[];
  /** Custom payload (flag CUSTOM_PAYLOAD); values are copies. */
  readonly customPayload?: Readonly<Record<string, Buffer | null>>;
}

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

/** 16 bytes at `at` → "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx". */
export function formatUuidAt(b: Uint8Array, at: number): string {
  let s = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
    s += HEX[b[at + i]!]!;
  }
  return s;
}

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Canonical UUID text → 16 bytes. */
export function parseUuidText(s: string): Buffer {
  if (!UUID_RE.test(s)) throw encodeError(`invalid UUID ${JSON.stringify(s)}`);
  return Buffer.from(s.replace(/-/g, ''), 'hex');
}

/** Read the response preamble selected by `flags`. */
export function readResponsePreamble(r: Reader, flags: number): ResponsePreamble {
  const out: { -readonly [K in keyof ResponsePreamble]: ResponsePreamble[K] } = {};
  if (flags & FrameFlag.TRACING) {
    const id = r.uuid();
    out.tracingId = formatUuidAt(id, 0);
  }
  if (flags & FrameFlag.WARNING) out.warnings = r.stringList();
  if (flags & FrameFlag.CUSTOM_PAYLOAD) out.customPayload = r.bytesMap();
  return out;
}

/** Write the response preamble; returns the header flags it implies. */
export function writeResponsePreamble(w: Writer, p: ResponsePreamble | undefined): number {
  if (p === undefined) return 0;
  let flags = 0;
  if (p.tracingId !== undefined) {
    flags |= FrameFlag.TRACING;
    w.raw(parseUuidText(p.tracingId));
  }
  if (p.warnings !== undefined) {
    flags |= FrameFlag.WARNING;
    w.stringList(p.warnings);
  }
  if (p.customPayload !== undefined) {
    flags |= FrameFlag.CUSTOM_PAYLOAD;
    w.bytesMap(p.customPayload);
  }
  return flags;
}
