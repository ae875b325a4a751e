// Static checks of the layering in DESIGN.md: protocol/ is a pure codec (no sockets, files,
// threads, processes or timers, nothing from src/), and src/ reaches it only through its one
// entry, protocol/index.ts (the published API, every name spelled out). Scans
// import/export/require/import() specifiers in the sources.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const PROTOCOL = join(ROOT, 'protocol');
const SRC = join(ROOT, 'src');
const INDEX = join(PROTOCOL, 'index');
/** Modules the codec must not use (with or without `node:`, and their subpaths). */
const FORBIDDEN_MODULES = ['net', 'tls', 'dgram', 'worker_threads', 'timers', 'child_process', 'fs', 'cluster', 'http', 'https', 'http2'];
/** Global timer functions the codec must not call. */
const FORBIDDEN_GLOBALS = ['setTimeout', 'setInterval', 'setImmediate'];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(?:[cm]?ts|[cm]?js)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Source without comments, and with string/template contents kept (specifiers live there). */
function stripComments(code: string): string {
  let out = '';
  let i = 0;
  while (i < code.length) {
    const c = code[i]!;
    const n = code[i + 1];
    if (c === '/' && n === '/') {
      while (i < code.length && code[i] !== '\n') i++;
    } else if (c === '/' && n === '*') {
      const end = code.indexOf('*/', i + 2);
      i = end < 0 ? code.length : end + 2;
      out += ' ';
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < code.length && code[j] !== c) j += code[j] === '\\' ? 2 : 1;
      out += code.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Every module specifier in static imports/exports, `import()` and `require()`. */
function moduleSpecifiers(code: string): string[] {
  const clean = stripComments(code);
  const specs: string[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?(?:[\w$*{}\s,]+?\s+from\s+)?['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g,
    /\brequire\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g,
  ];
  for (const re of patterns) for (const m of clean.matchAll(re)) specs.push(m[1]!);
  return specs;
}

/** One static `import … from` / `export … from` statement, by what it takes. */
interface FromClause {
  readonly keyword: 'import' | 'export';
  readonly spec: string;
  /** Names taken inside braces, by their name in the module imported from (before `as`). */
  readonly names: readonly string[];
  /** `* as ns`, `export *` or a default import: names that cannot be audited one by one. */
  readonly wholesale: boolean;
}

/** Every static `import … from` and `export … from` statement, with the names it takes. */
function fromClauses(code: string): FromClause[] {
  const out: FromClause[] = [];
  const re = /\b(import|export)\s+([\w$*{}\s,]+?)\s*from\s*['"]([^'"]+)['"]/g;
  for (const m of stripComments(code).matchAll(re)) {
    const clause = m[2]!.replace(/^type\s+/, '');
    const braces = /\{([^}]*)\}/.exec(clause);
    const names = (braces?.[1] ?? '')
      .split(',')
      .map((n) => n.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]!.trim())
      .filter((n) => n !== '');
    const outside = clause.replace(/\{[^}]*\}/, '').replace(/[\s,]/g, '');
    out.push({ keyword: m[1] as 'import' | 'export', spec: m[3]!, names, wholesale: outside !== '' });
  }
  return out;
}

/** `target` (a resolved specifier) is the module `base` (`.js` or `.ts`). */
function isModule(target: string, base: string): boolean {
  return target === `${base}.js` || target === `${base}.ts`;
}

/** The bare builtin name of a specifier (`node:fs/promises` → `fs`), or undefined. */
function builtinName(spec: string): string | undefined {
  const s = spec.startsWith('node:') ? spec.slice(5) : spec;
  if (s.startsWith('.') || s.startsWith('/')) return undefined;
  return s.split('/')[0];
}

function usedGlobals(code: string): string[] {
  const clean = stripComments(code).replace(/(['"`])(?:\\.|(?!\1)[^\\])*\1/g, "''");
  return FORBIDDEN_GLOBALS.filter((g) => new RegExp(`(?<![\\w$.])(?:globalThis\\.)?${g}\\b`).test(clean));
}

function rel(p: string): string {
  return relative(ROOT, p).split(sep).join('/');
}

describe('the scanner itself', () => {
  test('finds every kind of import and ignores comments', () => {
    const code = [
      "import { a } from './a.js';",
      "import type { B } from '../src/b.js';",
      "import * as c from 'node:net';",
      "import 'node:timers';",
      "export { d } from \"./d.js\";",
      "export * from './e.js';",
      "const f = await import('node:fs/promises');",
      "const g = require('child_process');",
      "// import { x } from 'node:tls';",
      "/* import { y } from 'dgram'; */",
      "import {\n  h,\n  i,\n} from './multi.js';",
    ].join('\n');
    expect(moduleSpecifiers(code)).toEqual(
      expect.arrayContaining(['./a.js', '../src/b.js', 'node:net', 'node:timers', './d.js', './e.js', 'node:fs/promises', 'child_process', './multi.js']),
    );
    expect(moduleSpecifiers(code)).not.toContain('node:tls');
    expect(moduleSpecifiers(code)).not.toContain('dgram');
    expect(builtinName('node:fs/promises')).toBe('fs');
    expect(builtinName('./fs.js')).toBeUndefined();
  });

  test('reads the names each import and export takes, and flags wholesale ones', () => {
    const code = [
      "import { a, type B, c as d } from './x.js';",
      'export const e = 1;',
      "import type { F } from './y.js';",
      "import {\n  g,\n  h as i,\n} from './z.js';",
      "export { j as k, type L } from './w.js';",
      "import * as ns from './v.js';",
      "export * from './u.js';",
      "import dflt, { m } from './t.js';",
      "// import { n } from './s.js';",
    ].join('\n');
    expect(fromClauses(code)).toEqual([
      { keyword: 'import', spec: './x.js', names: ['a', 'B', 'c'], wholesale: false },
      { keyword: 'import', spec: './y.js', names: ['F'], wholesale: false },
      { keyword: 'import', spec: './z.js', names: ['g', 'h'], wholesale: false },
      { keyword: 'export', spec: './w.js', names: ['j', 'L'], wholesale: false },
      { keyword: 'import', spec: './v.js', names: [], wholesale: true },
      { keyword: 'export', spec: './u.js', names: [], wholesale: true },
      { keyword: 'import', spec: './t.js', names: ['m'], wholesale: true },
    ]);
  });

  test('finds timer calls but not mentions in comments or strings', () => {
    expect(usedGlobals('const t = setTimeout(f, 1);')).toEqual(['setTimeout']);
    expect(usedGlobals('globalThis.setInterval(f, 1);')).toEqual(['setInterval']);
    expect(usedGlobals("// no setTimeout here\nconst s = 'setImmediate';\nx.setTimeout(1);")).toEqual([]);
  });
});

describe('protocol/ is a pure codec', () => {
  const files = sourceFiles(PROTOCOL);

  test('there are codec sources to check', () => {
    expect(files.length).toBeGreaterThan(10);
    expect(files).toContain(join(PROTOCOL, 'index.ts'));
  });

  test('imports nothing from src/ and no socket, file, thread, process or timer module', () => {
    const violations: string[] = [];
    for (const f of files) {
      for (const spec of moduleSpecifiers(readFileSync(f, 'utf8'))) {
        const builtin = builtinName(spec);
        if (builtin !== undefined) {
          if (FORBIDDEN_MODULES.includes(builtin)) violations.push(`${rel(f)} imports ${spec}`);
          continue;
        }
        const target = resolve(dirname(f), spec);
        if (!target.startsWith(PROTOCOL + sep)) violations.push(`${rel(f)} imports ${spec} (outside protocol/)`);
      }
    }
    expect(violations).toEqual([]);
  });

  test('never calls setTimeout / setInterval / setImmediate', () => {
    const violations = files.flatMap((f) => usedGlobals(readFileSync(f, 'utf8')).map((g) => `${rel(f)} uses ${g}`));
    expect(violations).toEqual([]);
  });
});

describe('protocol/ has one entry that names what it exports', () => {
  const indexCode = readFileSync(`${INDEX}.ts`, 'utf8');
  const exportsOf = (code: string): string[] =>
    fromClauses(code)
      .filter((c) => c.keyword === 'export')
      .flatMap((c) => c.names);

  test('protocol/index.ts (the published API) has no `export *`', () => {
    expect(stripComments(indexCode)).not.toMatch(/\bexport\s+(?:type\s+)?\*/);
    expect(fromClauses(indexCode).filter((c) => c.wholesale)).toEqual([]);
    expect(exportsOf(indexCode).length).toBeGreaterThan(100);
  });
});

describe('src/ reaches the codec only through protocol/index', () => {
  const files = sourceFiles(SRC);

  test('there are driver sources to check', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  test('every import of protocol/ names protocol/index', () => {
    const violations: string[] = [];
    let viaIndex = 0;
    for (const f of files) {
      for (const spec of moduleSpecifiers(readFileSync(f, 'utf8'))) {
        if (spec === 'cqlwire/protocol') continue; // the package's own public entry
        if (!spec.startsWith('.')) continue;
        const target = resolve(dirname(f), spec);
        if (target !== PROTOCOL && !target.startsWith(PROTOCOL + sep)) continue;
        if (isModule(target, INDEX)) viaIndex++;
        else violations.push(`${rel(f)} imports ${spec}`);
      }
    }
    expect(violations).toEqual([]);
    expect(viaIndex).toBeGreaterThan(0);
  });
});
