import { quoteIdentifier, type DataType } from '../../protocol/index.js';

// CQL type strings as system_schema writes them (`frozen<map<text, frozen<list<int>>>>`,
// `"MixedCase"`, `vector<float, 3>`, `'org.apache...CustomType'`), parsed into a small tree the
// type generator maps to TypeScript, and a canonical spelling that the prepare-time schema check
// compares with the server's metadata. In session (not mapper) because that check needs it.

/** A parsed CQL type (frozen<> dropped: it changes storage, not the value's shape). */
export type CqlTypeNode =
  | { readonly kind: 'simple'; readonly name: string }
  | { readonly kind: 'custom'; readonly className: string }
  | { readonly kind: 'list' | 'set'; readonly element: CqlTypeNode }
  | { readonly kind: 'map'; readonly key: CqlTypeNode; readonly value: CqlTypeNode }
  | { readonly kind: 'tuple'; readonly elements: readonly CqlTypeNode[] }
  | { readonly kind: 'vector'; readonly element: CqlTypeNode; readonly dimension: number }
  | { readonly kind: 'udt'; readonly name: string };

/** Type names without parameters; anything else that is a bare word is a user-defined type. */
const SIMPLE = new Set([
  'ascii', 'bigint', 'blob', 'boolean', 'counter', 'date', 'decimal', 'double', 'duration', 'float',
  'inet', 'int', 'smallint', 'text', 'time', 'timestamp', 'timeuuid', 'tinyint', 'uuid', 'varchar', 'varint',
]);

/** Parse a CQL type string; throws on text that is not one. */
export function parseCqlType(text: string): CqlTypeNode {
  let p = 0;
  const ws = (): void => {
    while (p < text.length && /\s/.test(text[p]!)) p++;
  };
  const expect = (ch: string): void => {
    ws();
    if (text[p] !== ch) throw new Error(`bad CQL type ${JSON.stringify(text)}: expected '${ch}' at ${p}`);
    p++;
  };
  const word = (): { value: string; quoted: boolean } => {
    ws();
    const q = text[p];
    if (q === '"' || q === "'") {
      // A quoted name: the quote doubled inside stands for itself.
      let out = '';
      for (p++; p < text.length; p++) {
        if (text[p] === q) {
          if (text[p + 1] === q) {
            out += q;
            p++;
          } else break;
        } else out += text[p];
      }
      if (text[p] !== q) throw new Error(`bad CQL type ${JSON.stringify(text)}: unterminated quote`);
      p++;
      return { value: q === "'" ? `'${out}` : out, quoted: true };
    }
    const m = /^[A-Za-z0-9_.$]+/.exec(text.slice(p));
    if (!m) throw new Error(`bad CQL type ${JSON.stringify(text)}: expected a name at ${p}`);
    p += m[0].length;
    return { value: m[0], quoted: false };
  };
  const args = (): CqlTypeNode[] => {
    expect('<');
    const out = [node()];
    ws();
    while (text[p] === ',') {
      p++;
      out.push(node());
      ws();
    }
    expect('>');
    return out;
  };
  const node = (): CqlTypeNode => {
    const w = word();
    if (w.quoted && w.value.startsWith("'")) return { kind: 'custom', className: w.value.slice(1) };
    if (w.quoted) return { kind: 'udt', name: w.value };
    const name = w.value.toLowerCase();
    ws();
    const generic = text[p] === '<';
    if (name === 'frozen' && generic) return args()[0]!;
    if ((name === 'list' || name === 'set') && generic) return { kind: name, element: one(args(), 1)[0]! };
    if (name === 'map' && generic) {
      const [key, value] = one(args(), 2);
      return { kind: 'map', key: key!, value: value! };
    }
    if (name === 'tuple' && generic) return { kind: 'tuple', elements: args() };
    if (name === 'vector' && generic) {
      expect('<');
      const element = node();
      expect(',');
      const dim = word().value;
      expect('>');
      return { kind: 'vector', element, dimension: Number(dim) };
    }
    if (SIMPLE.has(name)) return { kind: 'simple', name: name === 'varchar' ? 'text' : name };
    if (w.value.includes('.')) return { kind: 'custom', className: w.value };
    // Unquoted names are case-insensitive in CQL: the stored name is lower case.
    return { kind: 'udt', name };
  };
  const one = (list: CqlTypeNode[], n: number): CqlTypeNode[] => {
    if (list.length !== n) throw new Error(`bad CQL type ${JSON.stringify(text)}: expected ${n} type arguments`);
    return list;
  };
  const out = node();
  ws();
  if (p !== text.length) throw new Error(`bad CQL type ${JSON.stringify(text)}: trailing text at ${p}`);
  return out;
}

/** A canonical spelling (no frozen, no spaces after commas, UDT names quoted) for comparisons. */
export function canonicalCqlType(t: CqlTypeNode): string {
  switch (t.kind) {
    case 'simple':
      return t.name;
    case 'custom':
      return `'${t.className}'`;
    case 'udt':
      return quoteIdentifier(t.name);
    case 'list':
    case 'set':
      return `${t.kind}<${canonicalCqlType(t.element)}>`;
    case 'map':
      return `map<${canonicalCqlType(t.key)},${canonicalCqlType(t.value)}>`;
    case 'tuple':
      return `tuple<${t.elements.map(canonicalCqlType).join(',')}>`;
    case 'vector':
      return `vector<${canonicalCqlType(t.element)},${t.dimension}>`;
  }
}

/** The canonical spelling of a type the server described in metadata (see {@link canonicalCqlType}). */
export function canonicalDataType(t: DataType): string {
  switch (t.kind) {
    case 'custom':
      return `'${t.className}'`;
    case 'udt':
      return quoteIdentifier(t.name);
    case 'list':
    case 'set':
      return `${t.kind}<${canonicalDataType(t.element)}>`;
    case 'map':
      return `map<${canonicalDataType(t.key)},${canonicalDataType(t.value)}>`;
    case 'tuple':
      return `tuple<${t.elements.map(canonicalDataType).join(',')}>`;
    case 'vector':
      return `vector<${canonicalDataType(t.element)},${t.dimension}>`;
    default:
      return t.kind;
  }
}
