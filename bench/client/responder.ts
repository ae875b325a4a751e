// The `client` suite's server: answers every request at once with reply bytes built before the
// first request arrives, so the figures show each client's own cost and as little of the
// server's as possible. Runs in its own process (pinned to its own CPU by the suite).
//
//   node --import tsx bench/client/responder.ts [--port 0] [--host 127.0.0.1]   → prints "listening <port>"
//
// Per request it reads only the 9-byte frame header (stream id, opcode, length) and, for
// EXECUTE, the first byte of the statement id and the skip-metadata flag; the reply is a copy of
// a canned frame with the two stream-id bytes patched. No request is decoded with cqlwire's codec
// (its reply bytes are built with protocol/'s encoder once, at start-up and per new statement).
// PREPARE and QUERY read their CQL text (a [long string]) to pick the canned answer; those are
// set-up requests, not the measured ones.
//
// Protocol v4 and v5 (v5: uncompressed segments after READY, as Cassandra; the replies of one
// read go out in as few segments as fit, each with its CRC24 header and CRC32 trailer, the way
// Cassandra batches a flush). Other versions are refused as Cassandra refuses them.
//
// Statements it knows: `SELECT ...` (one row: key int, value blob of VALUE_BYTES) and anything
// else prepared (void). QUERY: system.local and system.peers(_v2) get the rows a driver's control
// connection needs, `USE` its keyspace, anything else VOID.
import net from 'node:net';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import { DataTypes, ErrorCode, Opcode, encodeResponseFrame, rowsResultFromValues, type ColumnSpec, type Response } from '../../protocol/index.js';

/** Size of the `value` blob of the SELECT row. */
export const VALUE_BYTES = 100;
const KS = 'bench';
const TABLE = 'kv';
const HOST_ID = '8ba9a6a5-1c1e-4bb4-9f2b-6f0d3b5d2a11';
const SCHEMA_VERSION = 'e84b6a60-24cf-30ca-9b58-452d92911703';

type Version = 4 | 5;

const col = (name: string, type: ColumnSpec['type'], table = TABLE, keyspace = KS): ColumnSpec => ({ keyspace, table, name, type });

// ---------------------------------------------------------------------------------------------
// canned replies: whole frames with stream id 0, per protocol version

/** A reply frame with stream id 0; {@link Out.frame} copies it and patches the stream id. */
type Canned = Buffer;

function frame(version: Version, res: Response): Canned {
  return encodeResponseFrame(version, 0, res);
}

const VOID: Response = { opcode: Opcode.RESULT, result: { kind: 'void' } };
const selectColumns = [col('key', DataTypes.int), col('value', DataTypes.blob)];
const value = Buffer.alloc(VALUE_BYTES, 0x61);

function localRow(address: string): Response {
  const columns = [
    col('key', DataTypes.text, 'local', 'system'),
    col('bootstrapped', DataTypes.text, 'local', 'system'),
    col('broadcast_address', DataTypes.inet, 'local', 'system'),
    col('cluster_name', DataTypes.text, 'local', 'system'),
    col('cql_version', DataTypes.text, 'local', 'system'),
    col('data_center', DataTypes.text, 'local', 'system'),
    col('host_id', DataTypes.uuid, 'local', 'system'),
    col('listen_address', DataTypes.inet, 'local', 'system'),
    col('native_protocol_version', DataTypes.text, 'local', 'system'),
    col('partitioner', DataTypes.text, 'local', 'system'),
    col('rack', DataTypes.text, 'local', 'system'),
    col('release_version', DataTypes.text, 'local', 'system'),
    col('rpc_address', DataTypes.inet, 'local', 'system'),
    col('schema_version', DataTypes.uuid, 'local', 'system'),
    col('tokens', DataTypes.set(DataTypes.text), 'local', 'system'),
  ];
  const row = [
    'local', 'COMPLETED', address, 'bench', '3.4.7', 'datacenter1', HOST_ID, address, '5',
    'org.apache.cassandra.dht.Murmur3Partitioner', 'rack1', '5.0.9', address, SCHEMA_VERSION, ['0'],
  ];
  return { opcode: Opcode.RESULT, result: rowsResultFromValues({ columnCount: columns.length, columns }, [row]) };
}

function emptyRows(table: string): Response {
  const columns = [col('peer', DataTypes.inet, table, 'system'), col('rpc_address', DataTypes.inet, table, 'system')];
  return { opcode: Opcode.RESULT, result: rowsResultFromValues({ columnCount: columns.length, columns }, []) };
}

/** The fixed answers of one protocol version. */
interface VersionReplies {
  readonly supported: Canned;
  readonly ready: Canned;
  readonly void: Canned;
  readonly setKeyspace: Canned;
  readonly peers: Canned;
  readonly peersV2: Canned;
  /** system.local by the address the client connected to. */
  readonly local: Map<string, Canned>;
}

function versionReplies(version: Version): VersionReplies {
  return {
    supported: frame(version, { opcode: Opcode.SUPPORTED, options: { CQL_VERSION: ['3.4.7'], COMPRESSION: ['lz4'], PROTOCOL_VERSIONS: ['4/v4', '5/v5'] } }),
    ready: frame(version, { opcode: Opcode.READY }),
    void: frame(version, VOID),
    setKeyspace: frame(version, { opcode: Opcode.RESULT, result: { kind: 'setKeyspace', keyspace: KS } }),
    peers: frame(version, emptyRows('peers')),
    peersV2: frame(version, emptyRows('peers_v2')),
    local: new Map(),
  };
}

const replies: Record<Version, VersionReplies> = { 4: versionReplies(4), 5: versionReplies(5) };

/** A prepared statement: its id, and its canned PREPARE and EXECUTE answers per version. */
interface Statement {
  readonly query: string;
  readonly id: Buffer;
  readonly prepared: Record<Version, Canned>;
  /** EXECUTE answer with full result metadata, and with it skipped (the client's skip flag). */
  readonly full: Record<Version, Canned>;
  readonly skip: Record<Version, Canned>;
}

/** By index; the first byte of a statement id is its index, so EXECUTE finds it without a map lookup on a string. */
const statements: Statement[] = [];
const statementByQuery = new Map<string, Statement>();

function statementFor(query: string): Statement {
  const known = statementByQuery.get(query);
  if (known !== undefined) return known;
  if (statements.length >= 256) throw new Error('responder: more than 256 distinct statements');
  const id = Buffer.alloc(16, 0x5a);
  id[0] = statements.length;
  const select = /^\s*select/i.test(query);
  const markers = (query.match(/\?/g) ?? []).length;
  const variables = select ? [col('key', DataTypes.int)] : Array.from({ length: markers }, (_, i) => (i === 0 ? col('key', DataTypes.int) : col('value', DataTypes.blob)));
  const resultMetadata = select ? { columnCount: 2, columns: selectColumns, globalTableSpec: { keyspace: KS, table: TABLE } } : { columnCount: 0, columns: [] };
  const prepared: Response = {
    opcode: Opcode.RESULT,
    result: { kind: 'prepared', id, resultMetadataId: id, metadata: { columns: variables, pkIndexes: variables.length > 0 ? [0] : [], globalTableSpec: { keyspace: KS, table: TABLE } }, resultMetadata },
  };
  const rows = select ? rowsResultFromValues({ columnCount: 2, columns: selectColumns, globalTableSpec: { keyspace: KS, table: TABLE } }, [[1, value]]) : null;
  const full: Response = rows !== null ? { opcode: Opcode.RESULT, result: rows } : VOID;
  const skip: Response = rows !== null ? { opcode: Opcode.RESULT, result: { ...rows, metadata: { columnCount: 2 } } } : VOID;
  const both = (r: Response): Record<Version, Canned> => ({ 4: frame(4, r), 5: frame(5, r) });
  const s: Statement = { query, id, prepared: both(prepared), full: both(full), skip: both(skip) };
  statements.push(s);
  statementByQuery.set(query, s);
  return s;
}

// ---------------------------------------------------------------------------------------------
// output: reply frames copied into a slab, wrapped in v5 segments when segmented

const MAX_SEGMENT_PAYLOAD = 0x1ffff;
const SLAB_BYTES = 1 << 20;
/** CRC32 of Cassandra's 4 seed bytes: the payload CRC is the standard CRC32 continued from it. */
const CRC32_SEED = zlib.crc32(Buffer.from([0xfa, 0x2d, 0x55, 0xca]));

// CRC24 of the 3-byte segment header (native_protocol_v5.spec §2.2; Cassandra's Crc.crc24).
const CRC24_TABLE = ((): Int32Array => {
  const t = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 16;
    for (let bit = 0; bit < 8; bit++) {
      crc <<= 1;
      if ((crc & 0x1000000) !== 0) crc ^= 0x1974f0b;
    }
    t[i] = crc & 0xffffff;
  }
  return t;
})();

function crc24(b: Buffer, start: number, end: number): number {
  let crc = 0x875060;
  for (let i = start; i < end; i++) crc = ((crc << 8) ^ CRC24_TABLE[((crc >>> 16) ^ b[i]!) & 0xff]!) & 0xffffff;
  return crc;
}

/** Replies of one connection, gathered during one `data` event and written with one call. */
class Out {
  private slab = Buffer.allocUnsafe(SLAB_BYTES);
  /** Start of what has not been written yet. */
  private start = 0;
  private pos = 0;
  /** Where the open v5 segment's header goes, or -1. */
  private segment = -1;
  segmented = false;

  constructor(private readonly socket: net.Socket) {}

  /** Append a copy of `canned` with `stream` as its stream id. */
  frame(canned: Canned, stream: number): void {
    const n = canned.length;
    if (this.segmented) {
      if (this.segment >= 0 && this.pos + n - (this.segment + 6) > MAX_SEGMENT_PAYLOAD) this.closeSegment();
      if (this.pos + n + 10 > this.slab.length) this.renew(n + 10);
      if (this.segment < 0) {
        this.segment = this.pos;
        this.pos += 6;
      }
    } else if (this.pos + n > this.slab.length) this.renew(n);
    canned.copy(this.slab, this.pos);
    this.slab[this.pos + 2] = stream >>> 8;
    this.slab[this.pos + 3] = stream & 0xff;
    this.pos += n;
  }

  private closeSegment(): void {
    const h = this.segment;
    const len = this.pos - (h + 6);
    // 17-bit length, self-contained flag (every segment holds whole frames), little-endian.
    const v = len | 0x20000;
    this.slab[h] = v & 0xff;
    this.slab[h + 1] = (v >>> 8) & 0xff;
    this.slab[h + 2] = v >>> 16;
    const c = crc24(this.slab, h, h + 3);
    this.slab[h + 3] = c & 0xff;
    this.slab[h + 4] = (c >>> 8) & 0xff;
    this.slab[h + 5] = c >>> 16;
    this.slab.writeUInt32LE(zlib.crc32(this.slab.subarray(h + 6, this.pos), CRC32_SEED), this.pos);
    this.pos += 4;
    this.segment = -1;
  }

  /** Write what is gathered; the slab's written part stays untouched until the socket is done with it. */
  flush(): void {
    if (this.segment >= 0) this.closeSegment();
    if (this.pos === this.start) return;
    this.socket.write(this.slab.subarray(this.start, this.pos));
    this.start = this.pos;
  }

  /** Move on to a fresh slab (what was written keeps the old one alive until sent). */
  private renew(need: number): void {
    this.flush();
    this.slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, need));
    this.start = 0;
    this.pos = 0;
  }
}

// ---------------------------------------------------------------------------------------------
// input: frames (v4, and v5 before READY) or segments of frames (v5 after READY)

/** Bytes received and not consumed yet. */
class Pending {
  private buf: Buffer | null = null;
  push(chunk: Buffer): Buffer {
    this.buf = this.buf === null ? chunk : Buffer.concat([this.buf, chunk]);
    return this.buf;
  }
  /** Keep `buf[from...]` for the next chunk. */
  keep(buf: Buffer, from: number): void {
    this.buf = from >= buf.length ? null : buf.subarray(from);
  }
}

/** A [long string] (int length, UTF-8) at `body[at]`. */
function longString(body: Buffer, at: number): string {
  const n = body.readInt32BE(at);
  return body.toString('utf8', at + 4, at + 4 + n);
}

function serve(socket: net.Socket): void {
  socket.setNoDelay(true);
  const address = socket.localAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
  const out = new Out(socket);
  const frames = new Pending();
  const segments = new Pending();
  let version: Version | undefined;
  let r: VersionReplies | undefined;

  const dynamic = (stream: number, res: Response): void => out.frame(frame(version ?? 4, res), stream);

  /** One request frame at `buf[at]`. */
  const handle = (buf: Buffer, at: number): void => {
    const stream = buf.readInt16BE(at + 2);
    const opcode = buf[at + 4]!;
    const body = at + 9;
    if (opcode === Opcode.EXECUTE) {
      // The hot path: statement index (first byte of the id) and the skip-metadata flag.
      const idLen = buf.readUInt16BE(body);
      const s = idLen === 16 ? statements[buf[body + 2]!] : undefined;
      if (s === undefined) {
        dynamic(stream, { opcode: Opcode.ERROR, error: { kind: 'unprepared', code: ErrorCode.UNPREPARED, message: 'unknown statement', id: Buffer.from(buf.subarray(body + 2, body + 2 + idLen)) } });
        return;
      }
      let p = body + 2 + idLen;
      if (version === 5) p += 2 + buf.readUInt16BE(p); // result metadata id
      p += 2; // consistency
      const flags = version === 5 ? buf.readUInt32BE(p) : buf[p]!;
      out.frame((flags & 0x02) !== 0 ? s.skip[version!] : s.full[version!], stream);
      return;
    }
    switch (opcode) {
      case Opcode.OPTIONS:
        out.frame(r!.supported, stream);
        return;
      case Opcode.STARTUP:
        out.frame(r!.ready, stream);
        // READY is the last unsegmented frame; everything after it is in segments (v5).
        if (version === 5) {
          out.flush();
          out.segmented = true;
        }
        return;
      case Opcode.REGISTER:
        out.frame(r!.ready, stream);
        return;
      case Opcode.PREPARE:
        out.frame(statementFor(longString(buf, body)).prepared[version!], stream);
        return;
      case Opcode.QUERY: {
        const q = longString(buf, body).toLowerCase();
        if (q.includes('system.local')) {
          let c = r!.local.get(address);
          if (c === undefined) r!.local.set(address, (c = frame(version!, localRow(address))));
          out.frame(c, stream);
        } else if (q.includes('system.peers_v2')) out.frame(r!.peersV2, stream);
        else if (q.includes('system.peers')) out.frame(r!.peers, stream);
        else if (/^\s*use\s/.test(q)) out.frame(r!.setKeyspace, stream);
        else out.frame(r!.void, stream);
        return;
      }
      case Opcode.BATCH:
        out.frame(r!.void, stream);
        return;
      default:
        dynamic(stream, { opcode: Opcode.ERROR, error: { kind: 'generic', code: ErrorCode.PROTOCOL_ERROR, message: `unexpected opcode ${opcode}` } });
    }
  };

  /** Handle every whole frame in `buf`; returns the offset of the first incomplete one. */
  const readFrames = (buf: Buffer): number => {
    let at = 0;
    while (buf.length - at >= 9) {
      const len = buf.readInt32BE(at + 5);
      if (buf.length - at < 9 + len) break;
      const wasSegmented = out.segmented;
      handle(buf, at);
      at += 9 + len;
      // Bytes after the STARTUP frame are already segments.
      if (out.segmented !== wasSegmented) break;
    }
    return at;
  };

  /** Unwrap every whole segment of `buf` (CRCs not checked: loopback, and the client is not under test for that) into the frame stream. */
  const readSegments = (buf: Buffer): number => {
    let at = 0;
    while (buf.length - at >= 6) {
      const len = buf[at]! | (buf[at + 1]! << 8) | ((buf[at + 2]! & 1) << 16);
      if (buf.length - at < 6 + len + 4) break;
      const f = frames.push(buf.subarray(at + 6, at + 6 + len));
      frames.keep(f, readFrames(f));
      at += 6 + len + 4;
    }
    return at;
  };

  socket.on('data', (chunk: Buffer) => {
    try {
      if (version === undefined) {
        const v = chunk[0]! & 0x7f;
        if (v !== 4 && v !== 5) {
          // As Cassandra: refuse in a version the client can read, then close.
          const stream = chunk.length >= 4 ? chunk.readInt16BE(2) : 0;
          version = 4;
          dynamic(stream, { opcode: Opcode.ERROR, error: { kind: 'generic', code: ErrorCode.PROTOCOL_ERROR, message: `Invalid or unsupported protocol version (${v}); supported versions are (4/v4, 5/v5)` } });
          out.flush();
          socket.end();
          return;
        }
        version = v;
        r = replies[v];
      }
      if (out.segmented) {
        const s = segments.push(chunk);
        segments.keep(s, readSegments(s));
      } else {
        const f = frames.push(chunk);
        const used = readFrames(f);
        if (out.segmented) {
          // The rest of this chunk (after STARTUP) is the first segment data.
          frames.keep(f, f.length);
          const s = segments.push(f.subarray(used));
          segments.keep(s, readSegments(s));
        } else frames.keep(f, used);
      }
      out.flush();
    } catch (err) {
      process.stderr.write(`responder: ${String(err)}\n`);
      socket.destroy();
    }
  });
  socket.on('error', () => undefined);
}

/** Start the responder on `host:port` (port 0: any free port). */
export function startResponder(port = 0, host = '127.0.0.1'): Promise<net.Server> {
  const server = net.createServer(serve);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } } });
  const server = await startResponder(Number(values.port), values.host);
  const addr = server.address() as net.AddressInfo;
  process.stdout.write(`listening ${addr.port}\n`);
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
  process.on('disconnect', () => process.exit(0));
}
