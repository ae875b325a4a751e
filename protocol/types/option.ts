import type { Reader, Writer } from '../buffer.js';
import { TypeCode } from '../constants.js';
import { ProtocolError, ProtocolErrorCode, malformed, truncated } from '../errors.js';
import type { DataType, SimpleKind, UdtField } from './datatype.js';
import { DataTypes } from './datatypes.js';

// Three spellings of one type system:
//  - [option] (spec §4.2.5.2): binary ids from TypeCode, in result / prepared metadata;
//  - marshal class names ("org.apache.cassandra.db.marshal.ListType(...Int32Type)"): carried by
//    CUSTOM options, which is how Cassandra 5.0 sends vectors;
//  - CQL text ("map<text, frozen<list<int>>>"): system_schema tables, user input.

/**
 * Deepest type nesting accepted anywhere (options, class names, CQL text, codecs). Real schemas
 * stay far below; the limit only stops hostile input from exhausting the stack.
 */
export const MAX_TYPE_DEPTH = 64;

/** Package of Cassandra's built-in marshal classes. */
export const MARSHAL_PACKAGE = 'org.apache.cassandra.db.marshal.';

function tooDeep(): ProtocolError {
  return malformed(`type nesting deeper than ${MAX_TYPE_DEPTH}`);
}

// --- [option] -----------------------------------------------------------------------------

const SIMPLE_BY_CODE: ReadonlyMap<number, DataType> = new Map<number, DataType>([
  [TypeCode.ASCII, DataTypes.ascii],
  [TypeCode.BIGINT, DataTypes.bigint],
  [TypeCode.BLOB, DataTypes.blob],
  [TypeCode.BOOLEAN, DataTypes.boolean],
  [TypeCode.COUNTER, DataTypes.counter],
  [TypeCode.DECIMAL, DataTypes.decimal],
  [TypeCode.DOUBLE, DataTypes.double],
  [TypeCode.FLOAT, DataTypes.float],
  [TypeCode.INT, DataTypes.int],
  [TypeCode.TIMESTAMP, DataTypes.timestamp],
  [TypeCode.UUID, DataTypes.uuid],
  [TypeCode.VARCHAR, DataTypes.text],
  [TypeCode.VARINT, DataTypes.varint],
  [TypeCode.TIMEUUID, DataTypes.timeuuid],
  [TypeCode.INET, DataTypes.inet],
  [TypeCode.DATE, DataTypes.date],
  [TypeCode.TIME, DataTypes.time],
  [TypeCode.SMALLINT, DataTypes.smallint],
  [TypeCode.TINYINT, DataTypes.tinyint],
  [TypeCode.DURATION, DataTypes.duration],
]);

const CODE_BY_SIMPLE: Readonly<Record<SimpleKind, number>> = {
  ascii: TypeCode.ASCII,
  bigint: TypeCode.BIGINT,
  blob: TypeCode.BLOB,
  boolean: TypeCode.BOOLEAN,
  counter: TypeCode.COUNTER,
  decimal: TypeCode.DECIMAL,
  double: TypeCode.DOUBLE,
  float: TypeCode.FLOAT,
  int: TypeCode.INT,
  timestamp: TypeCode.TIMESTAMP,
  uuid: TypeCode.UUID,
  text: TypeCode.VARCHAR,
  varint: TypeCode.VARINT,
  timeuuid: TypeCode.TIMEUUID,
  inet: TypeCode.INET,
  date: TypeCode.DATE,
  time: TypeCode.TIME,
  smallint: TypeCode.SMALLINT,
  tinyint: TypeCode.TINYINT,
  duration: TypeCode.DURATION,
};

/**
 * Read one [option] describing a column type (spec §4.2.5.2). CUSTOM options are resolved
 * through {@link parseMarshalType}, so vectors and legacy custom spellings of native types
 * (e.g. DurationType under v4) come back as their real kind; unknown classes stay `custom`.
 * Simple types are returned as shared {@link DataTypes} singletons.
 */
export function readTypeOption(r: Reader): DataType {
  return readOption(r, 0);
}

function readOption(r: Reader, depth: number): DataType {
  if (depth > MAX_TYPE_DEPTH) throw tooDeep();
  const id = r.short();
  const simple = SIMPLE_BY_CODE.get(id);
  if (simple) return simple;
  switch (id) {
    case TypeCode.CUSTOM:
      return parseMarshalType(r.string());
    case TypeCode.LIST:
      return { kind: 'list', element: readOption(r, depth + 1) };
    case TypeCode.SET:
      return { kind: 'set', element: readOption(r, depth + 1) };
    case TypeCode.MAP: {
      const key = readOption(r, depth + 1);
      return { kind: 'map', key, value: readOption(r, depth + 1) };
    }
    case TypeCode.UDT: {
      const keyspace = r.string();
      const name = r.string();
      const n = r.short();
      // Each field needs at least a [string] and an id: 4 bytes. Check before allocating.
      if (r.remaining < n * 4) throw truncated('UDT type option');
      const fields: UdtField[] = [];
      for (let i = 0; i < n; i++) {
        const fieldName = r.string();
        fields.push({ name: fieldName, type: readOption(r, depth + 1) });
      }
      return { kind: 'udt', keyspace, name, fields };
    }
    case TypeCode.TUPLE: {
      const n = r.short();
      if (r.remaining < n * 2) throw truncated('tuple type option');
      const elements: DataType[] = [];
      for (let i = 0; i < n; i++) elements.push(readOption(r, depth + 1));
      return { kind: 'tuple', elements };
    }
    default:
      throw new ProtocolError(ProtocolErrorCode.UNSUPPORTED, `unknown type option id 0x${id.toString(16).padStart(4, '0')}`);
  }
}

/**
 * Write `t` as an [option]. Vectors (and, under protocol v4, `duration`, which has no id before
 * v5) are written as CUSTOM with their marshal class name, as Cassandra does.
 */
export function writeTypeOption(w: Writer, t: DataType, protocolVersion = 5): void {
  writeOption(w, t, protocolVersion, 0);
}

function writeOption(w: Writer, t: DataType, version: number, depth: number): void {
  if (depth > MAX_TYPE_DEPTH) throw new ProtocolError(ProtocolErrorCode.ENCODE, `type nesting deeper than ${MAX_TYPE_DEPTH}`);
  switch (t.kind) {
    case 'custom':
      w.short(TypeCode.CUSTOM).string(t.className);
      return;
    case 'vector':
      w.short(TypeCode.CUSTOM).string(toMarshalType(t));
      return;
    case 'duration':
      if (version < 5) w.short(TypeCode.CUSTOM).string(`${MARSHAL_PACKAGE}DurationType`);
      else w.short(TypeCode.DURATION);
      return;
    case 'list':
    case 'set':
      w.short(t.kind === 'list' ? TypeCode.LIST : TypeCode.SET);
      writeOption(w, t.element, version, depth + 1);
      return;
    case 'map':
      w.short(TypeCode.MAP);
      writeOption(w, t.key, version, depth + 1);
      writeOption(w, t.value, version, depth + 1);
      return;
    case 'udt':
      w.short(TypeCode.UDT).string(t.keyspace).string(t.name).short(t.fields.length);
      for (const f of t.fields) {
        w.string(f.name);
        writeOption(w, f.type, version, depth + 1);
      }
      return;
    case 'tuple':
      w.short(TypeCode.TUPLE).short(t.elements.length);
      for (const e of t.elements) writeOption(w, e, version, depth + 1);
      return;
    default:
      w.short(CODE_BY_SIMPLE[t.kind]);
  }
}

// --- marshal class names --------------------------------------------------------------------

const SIMPLE_BY_MARSHAL: ReadonlyMap<string, DataType> = new Map<string, DataType>([
  ['AsciiType', DataTypes.ascii],
  ['LongType', DataTypes.bigint],
  ['BytesType', DataTypes.blob],
  ['BooleanType', DataTypes.boolean],
  ['CounterColumnType', DataTypes.counter],
  ['SimpleDateType', DataTypes.date],
  ['DecimalType', DataTypes.decimal],
  ['DoubleType', DataTypes.double],
  ['DurationType', DataTypes.duration],
  ['FloatType', DataTypes.float],
  ['InetAddressType', DataTypes.inet],
  ['Int32Type', DataTypes.int],
  ['ShortType', DataTypes.smallint],
  ['UTF8Type', DataTypes.text],
  ['TimeType', DataTypes.time],
  ['TimestampType', DataTypes.timestamp],
  // Pre-2.0 name of the timestamp type; same serialization.
  ['DateType', DataTypes.timestamp],
  ['TimeUUIDType', DataTypes.timeuuid],
  ['ByteType', DataTypes.tinyint],
  ['UUIDType', DataTypes.uuid],
  ['IntegerType', DataTypes.varint],
]);

const MARSHAL_BY_SIMPLE: Readonly<Record<SimpleKind, string>> = {
  ascii: 'AsciiType',
  bigint: 'LongType',
  blob: 'BytesType',
  boolean: 'BooleanType',
  counter: 'CounterColumnType',
  date: 'SimpleDateType',
  decimal: 'DecimalType',
  double: 'DoubleType',
  duration: 'DurationType',
  float: 'FloatType',
  inet: 'InetAddressType',
  int: 'Int32Type',
  smallint: 'ShortType',
  text: 'UTF8Type',
  time: 'TimeType',
  timestamp: 'TimestampType',
  timeuuid: 'TimeUUIDType',
  tinyint: 'ByteType',
  uuid: 'UUIDType',
  varint: 'IntegerType',
};

const PARAMETRIC_MARSHAL = new Set([
  'ListType',
  'SetType',
  'MapType',
  'TupleType',
  'UserType',
  'FrozenType',
  'ReversedType',
  'VectorType',
]);

/** Short marshal name if `name` is one of Cassandra's (fully qualified or bare), else null. */
function marshalShortName(name: string): string | null {
  const short = name.startsWith(MARSHAL_PACKAGE) ? name.slice(MARSHAL_PACKAGE.length) : name.includes('.') ? null : name;
  if (short === null) return null;
  return SIMPLE_BY_MARSHAL.has(short) || PARAMETRIC_MARSHAL.has(short) ? short : null;
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

class MarshalParser {
  private i = 0;
  constructor(private readonly s: string) {}

  private fail(what: string): ProtocolError {
    return malformed(`invalid marshal type name at char ${this.i}: ${what}`);
  }

  private skipBlank(): void {
    while (this.i < this.s.length && (this.s[this.i] === ' ' || this.s[this.i] === '\t' || this.s[this.i] === '\n')) this.i++;
  }

  private peek(): string | undefined {
    return this.s[this.i];
  }

  private expect(ch: string): void {
    this.skipBlank();
    if (this.s[this.i] !== ch) throw this.fail(`expected '${ch}'`);
    this.i++;
  }

  /** Read up to (not including) one of `stops`, trimmed. */
  private readUntil(stops: string): string {
    const start = this.i;
    while (this.i < this.s.length && !stops.includes(this.s[this.i]!)) this.i++;
    return this.s.slice(start, this.i).trim();
  }

  atEnd(): boolean {
    this.skipBlank();
    return this.i >= this.s.length;
  }

  type(depth: number): DataType {
    if (depth > MAX_TYPE_DEPTH) throw tooDeep();
    this.skipBlank();
    const start = this.i;
    const name = this.readUntil('(),');
    if (name.length === 0) throw this.fail('expected a type name');
    this.skipBlank();
    const hasParams = this.peek() === '(';
    const short = marshalShortName(name);
    if (short === null) {
      // Unknown class: keep its whole text, parameters included, as the custom class name.
      if (hasParams) this.skipBalanced();
      return { kind: 'custom', className: this.s.slice(start, this.i).trim() };
    }
    const simple = SIMPLE_BY_MARSHAL.get(short);
    if (simple) {
      if (hasParams) throw this.fail(`${short} takes no parameters`);
      return simple;
    }
    if (!hasParams) throw this.fail(`${short} needs parameters`);
    switch (short) {
      case 'ListType':
      case 'SetType': {
        const params = this.typeList(depth, 1);
        return { kind: short === 'ListType' ? 'list' : 'set', element: params[0]! };
      }
      case 'MapType': {
        const params = this.typeList(depth, 2);
        return { kind: 'map', key: params[0]!, value: params[1]! };
      }
      case 'FrozenType':
      case 'ReversedType':
        return this.typeList(depth, 1)[0]!;
      case 'TupleType':
        return { kind: 'tuple', elements: this.typeList(depth, -1) };
      case 'UserType':
        return this.userType(depth);
      default:
        return this.vector(depth);
    }
  }

  private skipBalanced(): void {
    let level = 0;
    do {
      const ch = this.s[this.i++];
      if (ch === undefined) throw this.fail('unbalanced parentheses');
      if (ch === '(') level++;
      else if (ch === ')') level--;
    } while (level > 0);
  }

  /** `( type, type, ... )`; `count` -1 accepts any number. */
  private typeList(depth: number, count: number): DataType[] {
    this.expect('(');
    const out: DataType[] = [];
    this.skipBlank();
    if (this.peek() === ')') {
      this.i++;
    } else {
      for (;;) {
        out.push(this.type(depth + 1));
        this.skipBlank();
        const ch = this.s[this.i++];
        if (ch === ')') break;
        if (ch !== ',') throw this.fail("expected ',' or ')'");
      }
    }
    if (count >= 0 && out.length !== count) throw this.fail(`expected ${count} type parameter(s), got ${out.length}`);
    return out;
  }

  private hexText(hex: string): string {
    if (!HEX.test(hex)) throw this.fail('expected hex-encoded name');
    return Buffer.from(hex, 'hex').toString('utf8');
  }

  /** `(keyspace, hexName, hexField:type, ...)`. */
  private userType(depth: number): DataType {
    this.expect('(');
    const keyspace = this.readUntil(',)');
    this.expect(',');
    const name = this.hexText(this.readUntil(',)'));
    const fields: UdtField[] = [];
    for (;;) {
      this.skipBlank();
      const ch = this.s[this.i++];
      if (ch === ')') break;
      if (ch !== ',') throw this.fail("expected ',' or ')'");
      const fieldName = this.hexText(this.readUntil(':,)'));
      this.expect(':');
      fields.push({ name: fieldName, type: this.type(depth + 1) });
    }
    if (keyspace.length === 0) throw this.fail('missing UDT keyspace');
    return { kind: 'udt', keyspace, name, fields };
  }

  /** `(type , dimension)`. */
  private vector(depth: number): DataType {
    this.expect('(');
    const element = this.type(depth + 1);
    this.expect(',');
    const digits = this.readUntil(')');
    this.expect(')');
    const dimension = /^\d{1,10}$/.test(digits) ? Number(digits) : NaN;
    if (!(dimension >= 1 && dimension <= 0x7fffffff)) throw this.fail('vector dimension must be in [1, 2^31-1]');
    return { kind: 'vector', element, dimension };
  }
}

/**
 * Parse a Cassandra marshal class name, as carried by a CUSTOM [option]:
 * `org.apache.cassandra.db.marshal.VectorType(org.apache.cassandra.db.marshal.FloatType , 3)`.
 * FrozenType and ReversedType wrappers are dropped; UserType names are hex-decoded. A class that
 * is not one of Cassandra's stays `{ kind: 'custom', className }`. Malformed parameters of a
 * known class raise ProtocolError MALFORMED.
 */
export function parseMarshalType(className: string): DataType {
  const p = new MarshalParser(className);
  const head = className.trimStart();
  const nameEnd = head.search(/[(),]/);
  if (marshalShortName((nameEnd < 0 ? head : head.slice(0, nameEnd)).trim()) === null) {
    return { kind: 'custom', className };
  }
  const t = p.type(0);
  if (!p.atEnd()) throw malformed('invalid marshal type name: trailing characters');
  return t;
}

/**
 * The marshal class name Cassandra uses for `t` (what a CUSTOM option carries). Collections,
 * UDTs and tuples inside a vector are wrapped in FrozenType, as Cassandra 5.0 prints them.
 */
export function toMarshalType(t: DataType): string {
  return marshalName(t, false, 0);
}

function marshalName(t: DataType, frozen: boolean, depth: number): string {
  if (depth > MAX_TYPE_DEPTH) throw new ProtocolError(ProtocolErrorCode.ENCODE, `type nesting deeper than ${MAX_TYPE_DEPTH}`);
  const p = MARSHAL_PACKAGE;
  const inner = (x: DataType): string => marshalName(x, false, depth + 1);
  let name: string;
  switch (t.kind) {
    case 'custom':
      return t.className;
    case 'vector':
      return `${p}VectorType(${marshalName(t.element, true, depth + 1)} , ${t.dimension})`;
    case 'list':
      name = `${p}ListType(${inner(t.element)})`;
      break;
    case 'set':
      name = `${p}SetType(${inner(t.element)})`;
      break;
    case 'map':
      name = `${p}MapType(${inner(t.key)},${inner(t.value)})`;
      break;
    case 'tuple':
      return `${p}TupleType(${t.elements.map(inner).join(',')})`;
    case 'udt': {
      const hex = (s: string): string => Buffer.from(s, 'utf8').toString('hex');
      const fields = t.fields.map((f) => `,${hex(f.name)}:${inner(f.type)}`).join('');
      name = `${p}UserType(${t.keyspace},${hex(t.name)}${fields})`;
      break;
    }
    default:
      return p + MARSHAL_BY_SIMPLE[t.kind];
  }
  return frozen ? `${p}FrozenType(${name})` : name;
}

// --- CQL type text ------------------------------------------------------------------------

/**
 * Looks up a user-defined type named in CQL text. `keyspace` is undefined when the text does
 * not qualify the name. Return undefined when unknown.
 */
export type UdtResolver = (keyspace: string | undefined, name: string) => DataType | undefined;

const SIMPLE_BY_CQL: ReadonlyMap<string, DataType> = new Map<string, DataType>([
  ['ascii', DataTypes.ascii],
  ['bigint', DataTypes.bigint],
  ['blob', DataTypes.blob],
  ['boolean', DataTypes.boolean],
  ['counter', DataTypes.counter],
  ['date', DataTypes.date],
  ['decimal', DataTypes.decimal],
  ['double', DataTypes.double],
  ['duration', DataTypes.duration],
  ['float', DataTypes.float],
  ['inet', DataTypes.inet],
  ['int', DataTypes.int],
  ['smallint', DataTypes.smallint],
  ['text', DataTypes.text],
  ['varchar', DataTypes.text],
  ['time', DataTypes.time],
  ['timestamp', DataTypes.timestamp],
  ['timeuuid', DataTypes.timeuuid],
  ['tinyint', DataTypes.tinyint],
  ['uuid', DataTypes.uuid],
  ['varint', DataTypes.varint],
]);

const PARAMETRIC_CQL = new Set(['list', 'set', 'map', 'tuple', 'frozen', 'vector']);

type CqlToken =
  | { readonly t: 'ident'; readonly v: string; readonly quoted: boolean }
  | { readonly t: 'string'; readonly v: string }
  | { readonly t: 'number'; readonly v: string }
  | { readonly t: 'punct'; readonly v: string }
  | { readonly t: 'end' };

class CqlTypeParser {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly resolve: UdtResolver | undefined,
  ) {}

  private fail(what: string): ProtocolError {
    return malformed(`invalid CQL type at char ${this.i}: ${what}`);
  }

  private next(): CqlToken {
    const s = this.s;
    while (this.i < s.length && /\s/.test(s[this.i]!)) this.i++;
    if (this.i >= s.length) return { t: 'end' };
    const ch = s[this.i]!;
    if (ch === '<' || ch === '>' || ch === ',' || ch === '.') {
      this.i++;
      return { t: 'punct', v: ch };
    }
    if (ch === '"' || ch === "'") {
      let out = '';
      this.i++;
      for (;;) {
        const c = s[this.i++];
        if (c === undefined) throw this.fail('unterminated quote');
        if (c === ch) {
          if (s[this.i] === ch) {
            out += ch;
            this.i++;
            continue;
          }
          break;
        }
        out += c;
      }
      return ch === '"' ? { t: 'ident', v: out, quoted: true } : { t: 'string', v: out };
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*|^\d+/.exec(s.slice(this.i, this.i + 256));
    if (!m) throw this.fail('unexpected character');
    this.i += m[0].length;
    return /^\d/.test(m[0]) ? { t: 'number', v: m[0] } : { t: 'ident', v: m[0], quoted: false };
  }

  private peekPunct(v: string): boolean {
    const save = this.i;
    const tok = this.next();
    this.i = save;
    return tok.t === 'punct' && tok.v === v;
  }

  private punct(v: string): void {
    const tok = this.next();
    if (tok.t !== 'punct' || tok.v !== v) throw this.fail(`expected '${v}'`);
  }

  end(): void {
    if (this.next().t !== 'end') throw this.fail('trailing characters');
  }

  type(depth: number): DataType {
    if (depth > MAX_TYPE_DEPTH) throw tooDeep();
    const tok = this.next();
    if (tok.t === 'string') return { kind: 'custom', className: tok.v };
    if (tok.t !== 'ident') throw this.fail('expected a type');
    const lower = tok.quoted ? tok.v : tok.v.toLowerCase();
    if (!tok.quoted) {
      const simple = SIMPLE_BY_CQL.get(lower);
      if (simple) return simple;
      if (PARAMETRIC_CQL.has(lower)) return this.parametric(lower, depth);
    }
    let keyspace: string | undefined;
    let name = lower;
    if (this.peekPunct('.')) {
      this.punct('.');
      const second = this.next();
      if (second.t !== 'ident') throw this.fail('expected a type name after "."');
      keyspace = name;
      name = second.quoted ? second.v : second.v.toLowerCase();
    }
    const udt = this.resolve?.(keyspace, name);
    if (udt === undefined) {
      throw new ProtocolError(
        ProtocolErrorCode.UNSUPPORTED,
        `cannot resolve user-defined type ${keyspace === undefined ? '' : `${keyspace}.`}${name} without schema metadata`,
      );
    }
    return udt;
  }

  private parametric(kind: string, depth: number): DataType {
    this.punct('<');
    let out: DataType;
    switch (kind) {
      case 'list':
      case 'set':
        out = { kind, element: this.type(depth + 1) };
        break;
      case 'frozen':
        out = this.type(depth + 1);
        break;
      case 'map': {
        const key = this.type(depth + 1);
        this.punct(',');
        out = { kind: 'map', key, value: this.type(depth + 1) };
        break;
      }
      case 'tuple': {
        const elements = [this.type(depth + 1)];
        while (this.peekPunct(',')) {
          this.punct(',');
          elements.push(this.type(depth + 1));
        }
        out = { kind: 'tuple', elements };
        break;
      }
      default: {
        const element = this.type(depth + 1);
        this.punct(',');
        const n = this.next();
        const dimension = n.t === 'number' && n.v.length <= 10 ? Number(n.v) : NaN;
        if (!(dimension >= 1 && dimension <= 0x7fffffff)) throw this.fail('vector dimension must be in [1, 2^31-1]');
        out = { kind: 'vector', element, dimension };
      }
    }
    this.punct('>');
    return out;
  }
}

/**
 * Parse CQL type text such as `map<text, frozen<list<int>>>`, `vector<float, 3>`,
 * `tuple<int, text>` or `'com.example.MyType'` (custom). `frozen<>` is dropped. A user-defined
 * type name can only be resolved through `resolveUdt` (e.g. from schema metadata); without it,
 * or when it returns undefined, ProtocolError UNSUPPORTED is thrown. Syntax errors raise MALFORMED.
 */
export function parseCqlType(text: string, resolveUdt?: UdtResolver): DataType {
  const p = new CqlTypeParser(text, resolveUdt);
  const t = p.type(0);
  p.end();
  return t;
}

/** A name as CQL shows it: plain lower-case names bare (readable), others quoted. */
function quoteIdent(name: string): string {
  return /^[a-z][a-z0-9_]*$/.test(name) ? name : quoteIdentifier(name);
}

/**
 * A CQL identifier, always quoted (exact case, `"` doubled), so any name is safe in a statement,
 * reserved words (`"select"`) included.
 */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * CQL text for `t`, e.g. `map<text, frozen<list<int>>>`: collections, tuples and UDTs nested in
 * another type are shown `frozen<>` (as CQL requires), UDTs as `keyspace.name`, custom types as
 * a quoted class name. Inverse of {@link parseCqlType} (given a resolver for UDTs).
 */
export function formatCqlType(t: DataType): string {
  return formatCql(t, false, 0);
}

function formatCql(t: DataType, nested: boolean, depth: number): string {
  if (depth > MAX_TYPE_DEPTH) return '...';
  const inner = (x: DataType): string => formatCql(x, true, depth + 1);
  let text: string;
  switch (t.kind) {
    case 'custom':
      return `'${t.className.replace(/'/g, "''")}'`;
    case 'vector':
      return `vector<${inner(t.element)}, ${t.dimension}>`;
    case 'list':
    case 'set':
      text = `${t.kind}<${inner(t.element)}>`;
      break;
    case 'map':
      text = `map<${inner(t.key)}, ${inner(t.value)}>`;
      break;
    case 'tuple':
      text = `tuple<${t.elements.map(inner).join(', ')}>`;
      break;
    case 'udt':
      text = `${quoteIdent(t.keyspace)}.${quoteIdent(t.name)}`;
      break;
    default:
      return t.kind;
  }
  return nested ? `frozen<${text}>` : text;
}
