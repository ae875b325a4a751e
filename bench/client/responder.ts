// A minimal CQL responder for the `client` benchmark suite: answers every request at once so
// the figures show each client's own cost. Runs in its own process; built on protocol/.
// Speaks v4 and v5 (segments, uncompressed), refuses other versions as Cassandra does.
//
//   node --import tsx bench/client/responder.ts [--port 0]   → prints "listening <port>"
//
// Statements it knows: `SELECT ... FROM <t> WHERE key = ?` (one row: key int, value blob of
// VALUE_BYTES) and `INSERT ...` (void). Anything else: VOID. system.local / system.peers* get
// the rows a driver's control connection needs.
import net from 'node:net';
import { parseArgs } from 'node:util';
import {
  DataTypes,
  ErrorCode,
  FrameDecoder,
  Opcode,
  SegmentDecoder,
  decodeRequest,
  encodeResponseFrame,
  encodeSegments,
  rowsResultFromValues,
  type ColumnSpec,
  type Frame,
  type Response,
  type RowsMetadata,
} from '../../protocol/index.js';

export const VALUE_BYTES = 100;
const KS = 'bench';
const TABLE = 'kv';
const HOST_ID = '8ba9a6a5-1c1e-4bb4-9f2b-6f0d3b5d2a11';
const SCHEMA_VERSION = 'e84b6a60-24cf-30ca-9b58-452d92911703';

type Version = 4 | 5;

const col = (name: string, type: ColumnSpec['type'], table = TABLE, keyspace = KS): ColumnSpec => ({ keyspace, table, name, type });

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

const VOID: Response = { opcode: Opcode.RESULT, result: { kind: 'void' } };
const selectColumns = [col('key', DataTypes.int), col('value', DataTypes.blob)];
const value = Buffer.alloc(VALUE_BYTES, 0x61);

/** A prepared statement's canned EXECUTE answers: full metadata, and metadata skipped. */
interface Canned {
  full: Buffer;
  skip: Buffer;
}

function bodyOf(frame: Buffer): Buffer {
  return frame.subarray(9);
}

function cannedFor(query: string, version: Version): Canned {
  if (/^\s*select/i.test(query)) {
    const meta: RowsMetadata & { columns: readonly ColumnSpec[] } = { columnCount: 2, columns: selectColumns, globalTableSpec: { keyspace: KS, table: TABLE } };
    const full = encodeResponseFrame(version, 0, { opcode: Opcode.RESULT, result: rowsResultFromValues(meta, [[1, value]]) });
    const rows = rowsResultFromValues(meta, [[1, value]]);
    const skip = encodeResponseFrame(version, 0, { opcode: Opcode.RESULT, result: { ...rows, metadata: { columnCount: 2 } } });
    return { full: bodyOf(full), skip: bodyOf(skip) };
  }
  const v = bodyOf(encodeResponseFrame(version, 0, VOID));
  return { full: v, skip: v };
}

function preparedFor(query: string, id: Buffer): Response {
  const select = /^\s*select/i.test(query);
  const markers = (query.match(/\?/g) ?? []).length;
  const variables = select ? [col('key', DataTypes.int)] : Array.from({ length: markers }, (_, i) => (i === 0 ? col('key', DataTypes.int) : col('value', DataTypes.blob)));
  return {
    opcode: Opcode.RESULT,
    result: {
      kind: 'prepared',
      id,
      resultMetadataId: id,
      metadata: { columns: variables, pkIndexes: variables.length > 0 ? [0] : [], globalTableSpec: { keyspace: KS, table: TABLE } },
      resultMetadata: select ? { columnCount: 2, columns: selectColumns, globalTableSpec: { keyspace: KS, table: TABLE } } : { columnCount: 0, columns: [] },
    },
  };
}

/** Statement id → query text, shared by every connection (ids are the same on every node). */
const statements = new Map<string, string>();

function serve(socket: net.Socket): void {
  socket.setNoDelay(true);
  const address = socket.localAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
  let version: Version | undefined;
  let framing: FrameDecoder | null = new FrameDecoder();
  let segments: SegmentDecoder | null = null;
  const canned = new Map<string, Canned>();
  let out: Buffer[] = [];
  let outBytes = 0;

  const header = (stream: number, opcode: number, length: number): Buffer => {
    const h = Buffer.allocUnsafe(9);
    h[0] = 0x80 | version!;
    h[1] = 0;
    h.writeInt16BE(stream, 2);
    h[4] = opcode;
    h.writeInt32BE(length, 5);
    return h;
  };
  const reply = (stream: number, res: Response): void => {
    const f = encodeResponseFrame(version!, stream, res);
    out.push(f);
    outBytes += f.length;
  };
  const replyBody = (stream: number, body: Buffer): void => {
    out.push(header(stream, Opcode.RESULT, body.length), body);
    outBytes += 9 + body.length;
  };
  const flush = (): void => {
    if (outBytes === 0) return;
    const payload = out.length === 1 ? out[0]! : Buffer.concat(out, outBytes);
    out = [];
    outBytes = 0;
    if (segments !== null) for (const s of encodeSegments(payload)) socket.write(s);
    else socket.write(payload);
  };

  const handle = (frame: Frame): void => {
    const stream = frame.stream;
    if (frame.opcode === Opcode.EXECUTE) {
      // Hot path: read only the statement id and the skip-metadata flag.
      const body = frame.body;
      const idLen = body.readUInt16BE(0);
      const key = body.toString('latin1', 2, 2 + idLen);
      let p = 2 + idLen;
      if (version === 5) p += 2 + body.readUInt16BE(p); // result metadata id
      p += 2; // consistency
      const flags = version === 5 ? body.readUInt32BE(p) : body[p]!;
      let c = canned.get(key);
      if (c === undefined) {
        const query = statements.get(key);
        if (query === undefined) {
          reply(stream, { opcode: Opcode.ERROR, error: { kind: 'unprepared', code: ErrorCode.UNPREPARED, message: 'unknown statement', id: body.subarray(2, 2 + idLen) } });
          return;
        }
        c = cannedFor(query, version!);
        canned.set(key, c);
      }
      replyBody(stream, flags & 0x02 ? c.skip : c.full);
      return;
    }
    const { message } = decodeRequest(frame);
    switch (message.opcode) {
      case Opcode.OPTIONS:
        reply(stream, { opcode: Opcode.SUPPORTED, options: { CQL_VERSION: ['3.4.7'], COMPRESSION: ['lz4'], PROTOCOL_VERSIONS: ['4/v4', '5/v5'] } });
        return;
      case Opcode.STARTUP:
        reply(stream, { opcode: Opcode.READY });
        if (version === 5) {
          // Everything after READY is segmented (READY itself is not).
          flush();
          segments = new SegmentDecoder();
          const rest = framing!.takeBuffered();
          framing = null;
          for (const chunk of rest) segments.push(chunk);
        }
        return;
      case Opcode.REGISTER:
        reply(stream, { opcode: Opcode.READY });
        return;
      case Opcode.QUERY: {
        const q = message.query.toLowerCase();
        if (q.includes('system.local')) reply(stream, localRow(address));
        else if (q.includes('system.peers_v2')) reply(stream, emptyRows('peers_v2'));
        else if (q.includes('system.peers')) reply(stream, emptyRows('peers'));
        else if (/^\s*use\s/.test(q)) reply(stream, { opcode: Opcode.RESULT, result: { kind: 'setKeyspace', keyspace: KS } });
        else reply(stream, VOID);
        return;
      }
      case Opcode.PREPARE: {
        const id = Buffer.alloc(16);
        id.write(message.query.length.toString(16).padStart(8, '0') + (statements.size + 1).toString(16).padStart(8, '0'), 'hex');
        const existing = [...statements].find(([, q]) => q === message.query);
        const key = existing ? existing[0] : id.toString('latin1');
        statements.set(key, message.query);
        reply(stream, preparedFor(message.query, Buffer.from(key, 'latin1')));
        return;
      }
      case Opcode.BATCH:
        reply(stream, VOID);
        return;
      default:
        reply(stream, { opcode: Opcode.ERROR, error: { kind: 'generic', code: ErrorCode.PROTOCOL_ERROR, message: `unexpected opcode ${message.opcode}` } });
    }
  };

  socket.on('data', (chunk: Buffer) => {
    try {
      if (version === undefined) {
        const v = chunk[0]! & 0x7f;
        if (v !== 4 && v !== 5) {
          // As Cassandra: refuse in a version the client can read, then close.
          version = 4;
          const stream = chunk.length >= 4 ? chunk.readInt16BE(2) : 0;
          reply(stream, { opcode: Opcode.ERROR, error: { kind: 'generic', code: ErrorCode.PROTOCOL_ERROR, message: `Invalid or unsupported protocol version (${v}); supported versions are (4/v4, 5/v5)` } });
          flush();
          socket.end();
          return;
        }
        version = v;
      }
      if (segments !== null) {
        segments.push(chunk);
        for (let f = segments.next(); f !== null; f = segments.next()) handle(f);
      } else {
        framing!.push(chunk);
        for (let f = framing!.next(); f !== null; f = framing === null ? null : framing.next()) {
          handle(f);
          // handle() switches to segments after a v5 READY (TS cannot see the closure's write).
          const switched = segments as SegmentDecoder | null;
          if (switched !== null) {
            for (let g = switched.next(); g !== null; g = switched.next()) handle(g);
            break;
          }
        }
      }
      flush();
    } catch (err) {
      process.stderr.write(`responder: ${String(err)}\n`);
      socket.destroy();
    }
  });
  socket.on('error', () => undefined);
}

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
