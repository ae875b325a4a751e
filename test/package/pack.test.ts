// The published package: `npm pack` (which builds through `prepack`), installed into an empty
// project, adds exactly one package (zero runtime dependencies; the optional peers stay out),
// and loads through import('cqlwire'), import('cqlwire/protocol') and require() alike.
// Slow (a full build plus an npm install from the tarball): about 20–40 s.
import { execFileSync, spawnSync, type ExecFileSyncOptions } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface PackEntry {
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

function run(cmd: string, args: readonly string[], opts: ExecFileSyncOptions): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 150_000, ...opts }).toString();
  } catch (err) {
    const e = err as { stdout?: Buffer | string; stderr?: Buffer | string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.message}\n${String(e.stdout ?? '')}\n${String(e.stderr ?? '')}`);
  }
}

/** Run a script with node in the consumer project; returns stdout, fails on any stderr output. */
function nodeIn(dir: string, args: readonly string[]): string {
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  // No warning either (e.g. an ExperimentalWarning for require(esm)).
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  return r.stdout;
}

describe('npm pack → npm install into an empty project', () => {
  let work: string;
  let project: string;
  let pack: PackEntry;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'cqlwire-pack-'));
    const out = run(NPM, ['pack', '--json', '--pack-destination', work], { cwd: ROOT });
    // npm prints the prepack script's output before the JSON array.
    pack = (JSON.parse(out.slice(out.indexOf('\n[') + 1 || out.indexOf('['))) as PackEntry[])[0]!;
    project = join(work, 'consumer');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2));
    run(NPM, ['install', join(work, pack.filename), '--no-audit', '--no-fund', '--prefer-offline', '--loglevel', 'error'], { cwd: project });
  }, 180_000);

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  test('the build emitted dist/src and dist/protocol, and only they (plus metadata) are packed', () => {
    expect(existsSync(join(ROOT, 'dist/src/index.js'))).toBe(true);
    expect(existsSync(join(ROOT, 'dist/protocol/index.js'))).toBe(true);
    const paths = pack.files.map((f) => f.path);
    expect(paths).toContain('dist/src/index.js');
    expect(paths).toContain('dist/src/index.d.ts');
    expect(paths).toContain('dist/protocol/index.js');
    expect(paths).toContain('dist/protocol/index.d.ts');
    // Shipped because the driver's own modules import it; not reachable by users (see below).
    expect(paths).toContain('dist/protocol/internal.js');
    const stray = paths.filter((p) => !p.startsWith('dist/src/') && !p.startsWith('dist/protocol/') && !['package.json', 'README.md', 'LICENSE'].includes(p));
    expect(stray).toEqual([]);
  });

  test('node_modules holds exactly one package: cqlwire', () => {
    const entries = readdirSync(join(project, 'node_modules')).filter((e) => e !== '.package-lock.json' && e !== '.bin');
    expect(entries).toEqual(['cqlwire']);
  });

  test("import('cqlwire') and import('cqlwire/protocol') work from an ES module", () => {
    const out = nodeIn(project, [
      '--input-type=module',
      '-e',
      [
        "const m = await import('cqlwire');",
        "const p = await import('cqlwire/protocol');",
        'const f = p.encodeFrame({ version: 4, flags: 0, stream: 1, opcode: p.Opcode.OPTIONS }, new Uint8Array(0));',
        'console.log(JSON.stringify({ client: typeof m.Client, decoder: typeof p.FrameDecoder, frame: p.decodeFrame(f).opcode }));',
      ].join('\n'),
    ]);
    expect(JSON.parse(out)).toEqual({ client: 'function', decoder: 'function', frame: 5 });
  });

  test('protocol/internal is not part of the package API: no export path, no driver-only names on cqlwire/protocol', () => {
    const out = nodeIn(project, [
      '--input-type=module',
      '-e',
      [
        "import { createRequire } from 'node:module';",
        'const require = createRequire(import.meta.url);',
        "const p = await import('cqlwire/protocol');",
        'const codeOf = async (load) => { try { await load(); return "loaded"; } catch (e) { return e.code; } };',
        'console.log(JSON.stringify({',
        "  esm: await codeOf(() => import('cqlwire/protocol/internal')),",
        "  deep: await codeOf(() => import('cqlwire/dist/protocol/internal.js')),",
        "  cjs: await codeOf(() => require('cqlwire/protocol/internal')),",
        '  internalName: typeof p.completeDeferredFrame,',
        '  publicName: typeof p.writeCompressedV4Frame,',
        '}));',
      ].join('\n'),
    ]);
    expect(JSON.parse(out)).toEqual({
      esm: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
      deep: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
      cjs: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
      internalName: 'undefined',
      publicName: 'function',
    });
  });

  test("require('cqlwire') and require('cqlwire/protocol') work from CommonJS (Node >= 20.19)", () => {
    const out = nodeIn(project, [
      '-e',
      [
        "const m = require('cqlwire');",
        "const p = require('cqlwire/protocol');",
        'console.log(JSON.stringify({ client: typeof m.Client, decoder: typeof p.FrameDecoder, same: m.Client === require("cqlwire").Client }));',
      ].join('\n'),
    ]);
    expect(JSON.parse(out)).toEqual({ client: 'function', decoder: 'function', same: true });
  });
});
