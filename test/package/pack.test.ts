// The published package: `npm pack` (which builds through `prepare`), installed into an empty
// project, adds exactly one package (zero runtime dependencies; the optional peers stay out),
// and loads through import('cqlwire'), import('cqlwire/protocol') and require() alike; no source
// maps point at unshipped files; TypeScript projects compile against it with each module
// setting README's "TypeScript" section names, without esModuleInterop and with skipLibCheck off.
// Slow (a full build, an npm install from the tarball, several tsc runs): about 1 min.
import { execFileSync, spawnSync, type ExecFileSyncOptions } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
    // The codec has one entry: nothing beside index.ts for the driver alone.
    expect(paths).not.toContain('dist/protocol/internal.js');
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

  test('cqlwire/protocol is the one entry of the codec: the names the driver uses are on it, deep imports are not exported', () => {
    const out = nodeIn(project, [
      '--input-type=module',
      '-e',
      [
        "const p = await import('cqlwire/protocol');",
        'const codeOf = async (load) => { try { await load(); return "loaded"; } catch (e) { return e.code; } };',
        'console.log(JSON.stringify({',
        "  deep: await codeOf(() => import('cqlwire/dist/protocol/decoder.js')),",
        '  deferred: typeof p.completeDeferredFrame,',
        '  rowReader: typeof p.RowReader,',
        '  publicName: typeof p.writeCompressedV4Frame,',
        '}));',
      ].join('\n'),
    ]);
    expect(JSON.parse(out)).toEqual({ deep: 'ERR_PACKAGE_PATH_NOT_EXPORTED', deferred: 'function', rowReader: 'function', publicName: 'function' });
  });

  test('no source maps are shipped, and no shipped file points at one', () => {
    const paths = pack.files.map((f) => f.path);
    expect(paths.filter((p) => p.endsWith('.map'))).toEqual([]);
    const pkg = join(project, 'node_modules', 'cqlwire');
    const pointing = paths.filter((p) => /\.(js|d\.ts)$/.test(p) && readFileSync(join(pkg, p), 'utf8').includes('sourceMappingURL'));
    expect(pointing).toEqual([]);
  });

  test('npx cqlwire runs the installed command: --help lists export, import and generate; an unknown command exits 2', () => {
    const help = spawnSync(NPM, ['exec', '--no', '--', 'cqlwire', '--help'], { cwd: project, encoding: 'utf8', timeout: 60_000 });
    expect({ status: help.status, stderr: help.stderr }).toEqual({ status: 0, stderr: '' });
    expect(help.stdout).toMatch(/usage: cqlwire <command>/);
    expect(help.stdout).toMatch(/commands: generate, export, import/);
    const exportHelp = spawnSync(NPM, ['exec', '--no', '--', 'cqlwire', 'export', '--help'], { cwd: project, encoding: 'utf8', timeout: 60_000 });
    expect(exportHelp.status).toBe(0);
    expect(exportHelp.stderr).toContain('cqlwire export <keyspace.table>');
    const unknown = spawnSync(NPM, ['exec', '--no', '--', 'cqlwire', 'exprot'], { cwd: project, encoding: 'utf8', timeout: 60_000 });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'exprot'");
  });

  test('LICENSE (Apache-2.0) is shipped', () => {
    expect(pack.files.map((f) => f.path)).toContain('LICENSE');
    expect(readFileSync(join(project, 'node_modules', 'cqlwire', 'LICENSE'), 'utf8')).toContain('Apache License');
  });

  // A TypeScript consumer per module setting README names; each imports the three entries,
  // is compiled by this checkout's tsc with skipLibCheck off (so cqlwire's .d.ts are checked)
  // and esModuleInterop off, and, where tsc emits, the output runs under node.
  const CONSUMER_TS = [
    "import { Client, DRIVER_NAME, type ClientOptions } from 'cqlwire';",
    "import { FrameDecoder, Opcode } from 'cqlwire/protocol';",
    "import { FakeServer } from 'cqlwire/testing';",
    "const options: ClientOptions = { contactPoints: ['127.0.0.1:9042'] };",
    'console.log(JSON.stringify({ client: typeof Client.connect, name: DRIVER_NAME, decoder: typeof FrameDecoder, options: Opcode.OPTIONS, fake: typeof FakeServer, points: options.contactPoints?.length }));',
    '',
  ].join('\n');
  const EXPECTED = { client: 'function', name: 'cqlwire', decoder: 'function', options: 5, fake: 'function', points: 1 };
  const consumers: { name: string; type: 'module' | 'commonjs'; compilerOptions: Record<string, unknown>; run: boolean }[] = [
    { name: 'esm-nodenext', type: 'module', compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' }, run: true },
    { name: 'esm-node16', type: 'module', compilerOptions: { module: 'node16', moduleResolution: 'node16' }, run: true },
    { name: 'cjs-nodenext', type: 'commonjs', compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' }, run: true },
    { name: 'bundler', type: 'module', compilerOptions: { module: 'esnext', moduleResolution: 'bundler', noEmit: true }, run: false },
    { name: 'cjs-node10', type: 'commonjs', compilerOptions: { module: 'commonjs', moduleResolution: 'node10' }, run: true },
  ];

  function compileConsumer(name: string, type: 'module' | 'commonjs', compilerOptions: Record<string, unknown>): { dir: string; output: string } {
    const dir = join(project, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type }));
    writeFileSync(join(dir, 'index.ts'), CONSUMER_TS);
    const tsconfig = {
      compilerOptions: {
        target: 'es2022',
        strict: true,
        skipLibCheck: false,
        esModuleInterop: false,
        allowSyntheticDefaultImports: false,
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules/@types')],
        outDir: 'out',
        ...compilerOptions,
      },
      files: ['index.ts'],
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    return { dir, output: `${r.stdout}${r.stderr}`.trim() };
  }

  test.each(consumers)('TypeScript consumer $name compiles against the package (skipLibCheck off, no esModuleInterop)', ({ name, type, compilerOptions, run }) => {
    const { dir, output } = compileConsumer(name, type, compilerOptions);
    expect(output).toBe('');
    if (run) expect(JSON.parse(nodeIn(dir, ['out/index.js']))).toEqual(EXPECTED);
  }, 120_000);

  test('a CommonJS consumer with module node16 cannot import the ES-module package (TS1479): README asks for nodenext', () => {
    const { output } = compileConsumer('cjs-node16', 'commonjs', { module: 'node16', moduleResolution: 'node16' });
    expect(output).toContain('TS1479');
  }, 120_000);

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
