// README's quick starts run as written against the real node (only the contact point and, for
// the first one, the package import are pointed at this checkout and the test cluster): the
// TypeScript one from the sources with tsx; then, from an empty project that has the built
// package installed, the plain-JavaScript one with plain node (Node.js 20: no `await using`)
// and the TypeScript one compiled by tsc (module nodenext) and run with node.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectWithPackage } from '../package/installed-package.js';
import { asModule, readmeBlocks } from '../readme/readme-blocks.js';
import { contactPoints } from './env.js';

const OUT = fileURLToPath(new URL('../readme/.generated', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/** The block's code with the README's contact point replaced by the test cluster's. */
function pointed(code: string): string {
  const replaced = code.replace("contactPoints: ['127.0.0.1:9042']", `contactPoints: ${JSON.stringify(contactPoints())}`);
  expect(replaced).not.toBe(code);
  return replaced;
}

function expectQuickStartOutput(stdout: string): void {
  const lines = stdout.trim().split('\n');
  expect(lines[0]).toBe('kettle 24.90');
  expect(lines).toContain('1 kettle');
}

it('README quick start runs as written', async () => {
  const block = readmeBlocks().find((b) => b.tags.includes('quickstart'));
  expect(block).toBeDefined();
  mkdirSync(OUT, { recursive: true });
  const file = `${OUT}/quickstart.ts`;
  writeFileSync(file, pointed(asModule(block!, OUT)));
  const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, timeout: 90_000 });
  expect(stderr).toBe('');
  expectQuickStartOutput(stdout);
}, 120_000);

describe('quick starts in an empty project with the package installed', () => {
  let work: string;
  let project: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'cqlwire-quickstart-'));
    project = projectWithPackage(work);
  }, 300_000);

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('the plain-JavaScript quick start runs with node', async () => {
    const block = readmeBlocks('js').find((b) => b.tags.includes('quickstart-js'));
    expect(block).toBeDefined();
    writeFileSync(join(project, 'quickstart.mjs'), pointed(block!.code));
    const { stdout, stderr } = await run(process.execPath, ['quickstart.mjs'], { cwd: project, timeout: 90_000 });
    expect(stderr).toBe('');
    expectQuickStartOutput(stdout);
  }, 120_000);

  it('the TypeScript quick start compiles with tsc (module nodenext) and runs with node', async () => {
    const block = readmeBlocks().find((b) => b.tags.includes('quickstart'));
    writeFileSync(join(project, 'quickstart.ts'), pointed(block!.code));
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, skipLibCheck: false, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')], outDir: 'out' },
        files: ['quickstart.ts'],
      }),
    );
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(project, 'tsconfig.json')], { cwd: project, timeout: 120_000 });
    const { stdout, stderr } = await run(process.execPath, ['out/quickstart.js'], { cwd: project, timeout: 90_000 });
    expect(stderr).toBe('');
    expectQuickStartOutput(stdout);
  }, 240_000);
});
