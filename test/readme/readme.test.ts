// Every TypeScript example of README.md type-checks against this checkout (strict).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { DriverErrorCode, ServerErrorCode } from '../../src/index.js';
import { asModule, README_PATH, readmeBlocks } from './readme-blocks.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUT = fileURLToPath(new URL('./.generated', import.meta.url));

describe('README examples', () => {
  it('has a quick start and several API examples', () => {
    const blocks = readmeBlocks();
    expect(blocks.filter((b) => b.tags.includes('quickstart'))).toHaveLength(1);
    expect(blocks.length).toBeGreaterThan(5);
  });

  it('type-check with tsc --strict', () => {
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    const files = readmeBlocks().map((b, i) => {
      const f = `${OUT}/block-${String(i).padStart(2, '0')}.ts`;
      writeFileSync(f, asModule(b, OUT));
      return f;
    });
    writeFileSync(
      `${OUT}/tsconfig.json`,
      JSON.stringify({ extends: '../../../tsconfig.json', compilerOptions: { noEmit: true, noUnusedLocals: false }, include: ['./*.ts'] }),
    );
    let output = '';
    try {
      execFileSync(process.execPath, [`${ROOT}/node_modules/typescript/bin/tsc`, '-p', `${OUT}/tsconfig.json`], { encoding: 'utf8' });
    } catch (err) {
      output = String((err as { stdout?: string }).stdout ?? err);
    }
    expect(output, `README examples do not type-check:\n${output}`).toBe('');
    expect(files.length).toBeGreaterThan(0);
  }, 120_000);

  it('the plain-JavaScript quick start parses on this Node.js (no `await using`), the TypeScript one uses `await using`', () => {
    const js = readmeBlocks('js').filter((b) => b.tags.includes('quickstart-js'));
    expect(js).toHaveLength(1);
    expect(js[0]!.code).not.toMatch(/\busing\b/);
    mkdirSync(OUT, { recursive: true });
    const file = `${OUT}/quickstart-js.mjs`;
    writeFileSync(file, js[0]!.code);
    // --check: a syntax check only (nothing runs, nothing is imported).
    execFileSync(process.execPath, ['--check', file], { encoding: 'utf8' });
    expect(readmeBlocks().find((b) => b.tags.includes('quickstart'))?.code).toMatch(/await using client/);
  });

  it('lists every stable error code in the error table', () => {
    const readme = readFileSync(README_PATH, 'utf8');
    for (const code of [...Object.values(DriverErrorCode), ...Object.values(ServerErrorCode)]) {
      expect(readme, `README error table misses ${code}`).toContain(`\`${code}\``);
    }
  });

  it('the fake-server example runs as written', async () => {
    const block = readmeBlocks().find((b) => b.tags.includes('fakeserver'));
    expect(block).toBeDefined();
    mkdirSync(OUT, { recursive: true });
    const file = `${OUT}/fakeserver.ts`;
    writeFileSync(file, asModule(block!, OUT));
    const stdout = execFileSync(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe("{ name: 'ann' }");
    expect(lines[1]).toBe('true ERR_SERVER_OVERLOADED');
    expect(lines[2]).toBe('UPDATE users SET name = ? WHERE id = 1');
  }, 60_000);
});
