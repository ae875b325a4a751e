import { ProtocolError, ProtocolErrorCode, malformed, truncated } from './errors.js';

// Notation primitives of spec §3: [int] [long] [byte] [short] [string] [long string] [uuid]
// [string list] [bytes] [value] [short bytes] [unsigned vint] [vint] [option] [inet]
// [inetaddr] [consistency] [string map] [string multimap] [bytes map].

/** Marker for an unset bound value ([value] length -2, protocol v4+). */
export const UNSET: unique symbol = Symbol.for('cqlwire.unset');
/** Type of {@link UNSET}. */
export type Unset = typeof UNSET;

/** An IP address and port as carried by [inet]. */
export interface InetSocketAddress {
  /** Dotted IPv4 or RFC 5952 IPv6 text. */
  readonly address: string;
  /** TCP port. */
  readonly port: number;
}

const EMPTY = Buffer.alloc(0);

/**
 * Bounds-checked cursor over a byte buffer. Every read checks the remaining length first, so
 * malformed input raises {@link ProtocolError} and no read allocates more than the input holds.
 */
export class Reader {
  /** Current position in {@link buf}. */
  offset: number;
  /** One past the last readable byte. */
  readonly end: number;

  constructor(
    /** The bytes being read. */
    readonly buf: Buffer,
    offset = 0,
    end = buf.length,
  ) {
    this.offset = offset;
    this.end = end;
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.end - this.offset;
  }

  private need(n: number, what: string): void {
    if (this.end - this.offset < n) throw truncated(what);
  }

  /** [byte] unsigned. */
  byte(): number {
    this.need(1, '[byte]');
    return this.buf[this.offset++]!;
  }

  /** [short] unsigned 16-bit. */
  short(): number {
    this.need(2, '[short]');
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  /** [int] signed 32-bit. */
  int(): number {
    this.need(4, '[int]');
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  /** [long] signed 64-bit. */
  long(): bigint {
    this.need(8, '[long]');
    const v = this.buf.readBigInt64BE(this.offset);
    this.offset += 8;
    return v;
  }

  /** A view of the next `n` bytes (no copy). */
  raw(n: number, what = 'bytes'): Buffer {
    if (n < 0) throw malformed(`negative length ${n} for ${what}`);
    this.need(n, what);
    const start = this.offset;
    this.offset += n;
    return this.buf.subarray(start, start + n);
  }

  /** [string]: [short] n, then n bytes of UTF-8. */
  string(): string {
    const n = this.short();
    this.need(n, '[string]');
    const s = this.buf.toString('utf8', this.offset, this.offset + n);
    this.offset += n;
    return s;
  }

  /** [long string]: [int] n, then n bytes of UTF-8. */
  longString(): string {
    const n = this.int();
    if (n < 0) throw malformed(`negative [long string] length ${n}`);
    this.need(n, '[long string]');
    const s = this.buf.toString('utf8', this.offset, this.offset + n);
    this.offset += n;
    return s;
  }

  /** [uuid]: 16 bytes (view). */
  uuid(): Buffer {
    return this.raw(16, '[uuid]');
  }

  /** [string list]. */
  stringList(): string[] {
    const n = this.short();
    // Each string needs at least 2 bytes: reject counts the input cannot hold before allocating.
    this.need(n * 2, '[string list]');
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.string());
    return out;
  }

  /** [bytes]: [int] n, n bytes; n < 0 is null. Returns a view. */
  bytes(): Buffer | null {
    const n = this.int();
    if (n < 0) return null;
    return this.raw(n, '[bytes]');
  }

  /** [value]: like [bytes], but -2 means unset (v4+). */
  value(): Buffer | null | Unset {
    const n = this.int();
    if (n === -1) return null;
    if (n === -2) return UNSET;
    if (n < 0) throw malformed(`invalid [value] length ${n}`);
    return this.raw(n, '[value]');
  }

  /** [short bytes]: [short] n, n bytes (view). */
  shortBytes(): Buffer {
    const n = this.short();
    return this.raw(n, '[short bytes]');
  }

  /** [unsigned vint] (v5): up to 9 bytes, leading 1-bits give the extra byte count. */
  unsignedVint(): bigint {
    const first = this.byte();
    if ((first & 0x80) === 0) return BigInt(first);
    let extra = Math.clz32(~(first << 24) >>> 0);
    if (extra > 8) extra = 8;
    this.need(extra, '[unsigned vint]');
    let v = BigInt(first & (0xff >> extra));
    for (let i = 0; i < extra; i++) v = (v << 8n) | BigInt(this.buf[this.offset++]!);
    return v;
  }

  /** [unsigned vint] that must fit a safe JS number (lengths, counts). */
  unsignedVintNumber(): number {
    const v = this.unsignedVint();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed(`[unsigned vint] ${v} too large`);
    return Number(v);
  }

  /** [vint] (v5): zig-zag encoded signed. */
  vint(): bigint {
    const u = this.unsignedVint();
    return (u >> 1n) ^ -(u & 1n);
  }

  /** [inetaddr]: [byte] n (4 or 16), n bytes of address. */
  inetAddr(): string {
    const n = this.byte();
    if (n !== 4 && n !== 16) throw malformed(`invalid [inetaddr] length ${n}`);
    return formatIp(this.raw(n, '[inetaddr]'));
  }

  /** [inet]: [inetaddr] then [int] port. */
  inet(): InetSocketAddress {
    const address = this.inetAddr();
    const port = this.int();
    return { address, port };
  }

  /** [consistency]. */
  consistency(): number {
    return this.short();
  }

  /** [string map]. */
  stringMap(): Record<string, string> {
    const n = this.short();
    this.need(n * 4, '[string map]');
    const out: Record<string, string> = Object.create(null) as Record<string, string>;
    for (let i = 0; i < n; i++) {
      const k = this.string();
      out[k] = this.string();
    }
    return out;
  }

  /** [string multimap]. */
  stringMultimap(): Record<string, string[]> {
    const n = this.short();
    this.need(n * 4, '[string multimap]');
    const out: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
    for (let i = 0; i < n; i++) {
      const k = this.string();
      out[k] = this.stringList();
    }
    return out;
  }

  /** [bytes map]; values are copied so they outlive the frame buffer. */
  bytesMap(): Record<string, Buffer | null> {
    const n = this.short();
    this.need(n * 6, '[bytes map]');
    const out: Record<string, Buffer | null> = Object.create(null) as Record<string, Buffer | null>;
    for (let i = 0; i < n; i++) {
      const k = this.string();
      const v = this.bytes();
      out[k] = v === null ? null : Buffer.from(v);
    }
    return out;
  }
}

/**
 * Growable output buffer. Reserve capacity up front where the size is known; `finish()`
 * returns a view of the written bytes.
 */
export class Writer {
  /** Underlying storage; may be replaced when it grows. */
  buf: Buffer;
  /** Number of bytes written. */
  offset = 0;

  constructor(initialCapacity = 256) {
    this.buf = Buffer.allocUnsafe(initialCapacity);
  }

  /** Make room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.offset + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.offset);
    this.buf = next;
  }

  /** [byte]. */
  byte(v: number): this {
    this.ensure(1);
    this.buf[this.offset++] = v & 0xff;
    return this;
  }

  /** [short]. */
  short(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16BE(v & 0xffff, this.offset);
    this.offset += 2;
    return this;
  }

  /** [int]. */
  int(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v | 0, this.offset);
    this.offset += 4;
    return this;
  }

  /** [long]. */
  long(v: bigint | number): this {
    this.ensure(8);
    if (typeof v === 'number') {
      // A safe integer (client timestamps): two 32-bit words, no BigInt made on the hot path.
      const hi = Math.floor(v / 0x1_0000_0000);
      this.buf.writeInt32BE(hi | 0, this.offset);
      this.buf.writeUInt32BE(v - hi * 0x1_0000_0000, this.offset + 4);
    } else {
      this.buf.writeBigInt64BE(BigInt.asIntN(64, v), this.offset);
    }
    this.offset += 8;
    return this;
  }

  /** Raw bytes, no length prefix. */
  raw(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.offset);
    this.offset += b.length;
    return this;
  }

  /** [string]. */
  string(s: string): this {
    const max = s.length * 3;
    this.ensure(2 + max);
    const n = this.buf.write(s, this.offset + 2, 'utf8');
    if (n > 0xffff) throw new ProtocolError(ProtocolErrorCode.ENCODE, `[string] longer than 65535 bytes`);
    this.buf.writeUInt16BE(n, this.offset);
    this.offset += 2 + n;
    return this;
  }

  /** [long string]. */
  longString(s: string): this {
    const max = s.length * 3;
    this.ensure(4 + max);
    const n = this.buf.write(s, this.offset + 4, 'utf8');
    this.buf.writeInt32BE(n, this.offset);
    this.offset += 4 + n;
    return this;
  }

  /** [uuid]: 16 raw bytes. */
  uuid(b: Uint8Array): this {
    if (b.length !== 16) throw new ProtocolError(ProtocolErrorCode.ENCODE, `[uuid] must be 16 bytes, got ${b.length}`);
    return this.raw(b);
  }

  /** [string list]. */
  stringList(list: readonly string[]): this {
    this.short(list.length);
    for (const s of list) this.string(s);
    return this;
  }

  /** [bytes]; null writes length -1. */
  bytes(b: Uint8Array | null): this {
    if (b === null) return this.int(-1);
    this.int(b.length);
    return this.raw(b);
  }

  /** [value]; null writes -1, {@link UNSET} writes -2. */
  value(b: Uint8Array | null | Unset): this {
    if (b === null) return this.int(-1);
    if (b === UNSET) return this.int(-2);
    this.int(b.length);
    return this.raw(b);
  }

  /** [short bytes]. */
  shortBytes(b: Uint8Array): this {
    this.short(b.length);
    return this.raw(b);
  }

  /** [unsigned vint] (v5): values up to 2^64 - 1. */
  unsignedVint(v: bigint | number): this {
    let u = BigInt(v);
    if (u < 0n || u > 0xffffffffffffffffn) {
      throw new ProtocolError(ProtocolErrorCode.ENCODE, `[unsigned vint] out of range`);
    }
    if (u < 0x80n) return this.byte(Number(u));
    const bits = u.toString(2).length;
    // n bytes carry 7n bits (n <= 8); 9 bytes carry the full 64.
    const size = Math.min(9, Math.ceil(bits / 7));
    const extra = size - 1;
    this.ensure(size);
    for (let i = size - 1; i >= 1; i--) {
      this.buf[this.offset + i] = Number(u & 0xffn);
      u >>= 8n;
    }
    this.buf[this.offset] = ((0xff00 >> extra) & 0xff) | Number(u);
    this.offset += size;
    return this;
  }

  /** [vint] (v5), zig-zag. */
  vint(v: bigint | number): this {
    const s = BigInt.asIntN(64, BigInt(v));
    return this.unsignedVint(BigInt.asUintN(64, (s << 1n) ^ (s >> 63n)));
  }

  /** [inetaddr]. */
  inetAddr(address: string): this {
    const bytes = parseIp(address);
    this.byte(bytes.length);
    return this.raw(bytes);
  }

  /** [inet]. */
  inet(addr: InetSocketAddress): this {
    this.inetAddr(addr.address);
    return this.int(addr.port);
  }

  /** [consistency]. */
  consistency(c: number): this {
    return this.short(c);
  }

  /** [string map]. */
  stringMap(map: Readonly<Record<string, string>>): this {
    const keys = Object.keys(map);
    this.short(keys.length);
    for (const k of keys) this.string(k).string(map[k]!);
    return this;
  }

  /** [string multimap]. */
  stringMultimap(map: Readonly<Record<string, readonly string[]>>): this {
    const keys = Object.keys(map);
    this.short(keys.length);
    for (const k of keys) this.string(k).stringList(map[k]!);
    return this;
  }

  /** [bytes map]. */
  bytesMap(map: Readonly<Record<string, Uint8Array | null>>): this {
    const keys = Object.keys(map);
    this.short(keys.length);
    for (const k of keys) this.string(k).bytes(map[k]!);
    return this;
  }

  /** Write a placeholder [int] and return its position, for lengths known only later. */
  reserveInt(): number {
    this.ensure(4);
    const at = this.offset;
    this.offset += 4;
    return at;
  }

  /** Fill an [int] reserved by {@link reserveInt}. */
  patchInt(at: number, v: number): void {
    this.buf.writeInt32BE(v | 0, at);
  }

  /** View of the bytes written so far (shares memory with the writer). */
  finish(): Buffer {
    return this.offset === 0 ? EMPTY : this.buf.subarray(0, this.offset);
  }
}

/** Format 4 or 16 address bytes as text (IPv6 per RFC 5952, IPv4-mapped kept as IPv6). */
export function formatIp(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b.length !== 16) throw malformed(`invalid IP address length ${b.length}`);
  // IPv4-mapped (::ffff:0:0/96): the IPv4 tail in dotted form, as RFC 5952 §5 and Node's net write it.
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((b[i]! << 8) | b[i + 1]!);
  // Longest run of zero words (length ≥ 2) becomes "::".
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Parse IPv4 or IPv6 text (with optional embedded IPv4 tail) into 4 or 16 bytes. */
export function parseIp(text: string): Buffer {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const out = Buffer.alloc(4);
    for (let i = 0; i < 4; i++) {
      const n = Number(v4[i + 1]);
      if (n > 255) throw new ProtocolError(ProtocolErrorCode.ENCODE, `invalid IPv4 address`);
      out[i] = n;
    }
    return out;
  }
  let s = text;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  let tail: Buffer | null = null;
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.indexOf('.', lastColon) >= 0) {
    tail = parseIp(s.slice(lastColon + 1));
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = s.split('::');
  if (halves.length > 2 || !/^[0-9a-fA-F:]+$/.test(s)) {
    throw new ProtocolError(ProtocolErrorCode.ENCODE, `invalid IP address`);
  }
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - rest.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) {
    throw new ProtocolError(ProtocolErrorCode.ENCODE, `invalid IP address`);
  }
  const words = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  const out = Buffer.alloc(16);
  for (let i = 0; i < 8; i++) {
    const w = words[i]!;
    if (w.length === 0 || w.length > 4) throw new ProtocolError(ProtocolErrorCode.ENCODE, `invalid IP address`);
    out.writeUInt16BE(parseInt(w, 16), i * 2);
  }
  if (tail) tail.copy(out, 12);
  return out;
}
