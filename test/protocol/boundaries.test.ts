// Static checks of the layering in DESIGN.md: protocol/ is a pure codec (no sockets, files,
// threads, processes or timers, nothing from src/), and src/ reaches it only through
// protocol/index.ts. Scans import/export/require/import() specifiers in the sources.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const PROTOCOL = join(ROOT, 'protocol');
const SRC = join(ROOT, 'src');

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
        if (target === join(PROTOCOL, 'index.js') || target === join(PROTOCOL, 'index.ts')) viaIndex++;
        else violations.push(`${rel(f)} imports ${spec}`);
      }
    }
    expect(violations).toEqual([]);
    expect(viaIndex).toBeGreaterThan(0);
  });
});
