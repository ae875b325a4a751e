// A small fluent builder for hand-made protocol fixtures: write spec notations one by one,
// independently of the codec under test, and get the bytes.
import { FrameFlag } from '../../protocol/constants.js';

/** Fluent writer of spec notations (§3) for golden vectors. */
export class BodyBuilder {
  private readonly parts: Buffer[] = [];

  /** Raw bytes, or a hex string (spaces allowed). */
  raw(b: Uint8Array | string): this {
    this.parts.push(typeof b === 'string' ? Buffer.from(b.replace(/\s+/g, ''), 'hex') : Buffer.from(b));
    return this;
  }

  /** [byte]. */
  byte(v: number): this {
    return this.raw(Buffer.of(v & 0xff));
  }

  /** [short]. */
  short(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v & 0xffff);
    return this.raw(b);
  }

  /** [int]. */
  int(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return this.raw(b);
  }

  /** [long]. */
  long(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(v);
    return this.raw(b);
  }

  /** [string]. */
  string(s: string): this {
    const b = Buffer.from(s, 'utf8');
    return this.short(b.length).raw(b);
  }

  /** [long string]. */
  longString(s: string): this {
    const b = Buffer.from(s, 'utf8');
    return this.int(b.length).raw(b);
  }

  /** [string list]. */
  stringList(list: readonly string[]): this {
    this.short(list.length);
    for (const s of list) this.string(s);
    return this;
  }

  /** [string map]. */
  stringMap(map: Readonly<Record<string, string>>): this {
    const keys = Object.keys(map);
    this.short(keys.length);
    for (const k of keys) this.string(k).string(map[k]!);
    return this;
  }

  /** [bytes] (null → -1). */
  bytes(b: Uint8Array | string | null): this {
    if (b === null) return this.int(-1);
    const buf = typeof b === 'string' ? Buffer.from(b.replace(/\s+/g, ''), 'hex') : Buffer.from(b);
    return this.int(buf.length).raw(buf);
  }

  /** [short bytes]. */
  shortBytes(b: Uint8Array | string): this {
    const buf = typeof b === 'string' ? Buffer.from(b.replace(/\s+/g, ''), 'hex') : Buffer.from(b);
    return this.short(buf.length).raw(buf);
  }

  /** [inetaddr] of an IPv4 address. */
  inetAddr4(a: number, b: number, c: number, d: number): this {
    return this.byte(4).raw(Buffer.of(a, b, c, d));
  }

  /** The bytes written so far. */
  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Start a fixture body. */
export function body(): BodyBuilder {
  return new BodyBuilder();
}

/** A 9-byte frame header followed by `payload`. */
export function frame(opts: {
  version: number;
  response?: boolean;
  flags?: number;
  stream?: number;
  opcode: number;
  body: Buffer;
}): Buffer {
  const h = Buffer.alloc(9);
  h[0] = (opts.response ? 0x80 : 0) | opts.version;
  h[1] = opts.flags ?? 0;
  h.writeInt16BE(opts.stream ?? 0, 2);
  h[4] = opts.opcode;
  h.writeInt32BE(opts.body.length, 5);
  return Buffer.concat([h, opts.body]);
}

/** Frame flags, re-exported for fixtures. */
export { FrameFlag };
