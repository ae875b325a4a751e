// Installing from git, as users do before the package is on the registry: `npm install
// git+file://<this repository>` in an empty project. npm clones the commit HEAD points at, installs
// its dev dependencies in its own cache, runs `prepare` (the build) and packs it, so the project
// gets the same files as from `npm pack`. What is checked is HEAD (committed files only), not
// the working tree; test/package/pack.test.ts checks the working tree.
// Slow: npm installs every dev dependency for the build (from its cache where it can), then
// builds; on the 2-core VM with the load average at 20 that took over 7 minutes.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function isGitRepository(dir: string): boolean {
  const r = spawnSync('git', ['-C', dir, 'rev-parse', '--verify', 'HEAD'], { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

describe.skipIf(!isGitRepository(ROOT))('npm install git+file://… into an empty project', () => {
  let work: string;
  let project: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'cqlwire-git-'));
    project = join(work, 'consumer');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2));
    try {
      execFileSync(NPM, ['install', `git+file://${ROOT}`, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel', 'error'], {
        cwd: project,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 900_000,
      });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`npm install git+file://${ROOT} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
    }
  }, 960_000);

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  test('the package is built (prepare ran) and holds what npm pack ships', () => {
    const pkg = join(project, 'node_modules', 'cqlwire');
    for (const f of ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/protocol/index.js', 'LICENSE', 'README.md', 'package.json']) {
      expect(existsSync(join(pkg, f)), f).toBe(true);
    }
    expect(existsSync(join(pkg, 'src'))).toBe(false);
    expect(existsSync(join(pkg, 'node_modules'))).toBe(false);
  });

  test('node_modules holds exactly one package: cqlwire (the build tools stay in npm’s cache)', () => {
    const entries = readdirSync(join(project, 'node_modules')).filter((e) => e !== '.package-lock.json' && e !== '.bin');
    expect(entries).toEqual(['cqlwire']);
  });

  test("import('cqlwire') and require('cqlwire/protocol') work", () => {
    const r = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        [
          "import { createRequire } from 'node:module';",
          "const m = await import('cqlwire');",
          "const p = createRequire(import.meta.url)('cqlwire/protocol');",
          'console.log(JSON.stringify({ client: typeof m.Client, decoder: typeof p.FrameDecoder }));',
        ].join('\n'),
      ],
      { cwd: project, encoding: 'utf8', timeout: 30_000 },
    );
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(r.stdout)).toEqual({ client: 'function', decoder: 'function' });
  });
});
