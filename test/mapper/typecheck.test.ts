// Compile-time type errors of the mapper and typed statements: tsc (strict) over
// test/mapper/typecheck/errors.ts, whose every `@ts-expect-error` must be a real error.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const OUT = `${ROOT}/test/mapper/.generated/typecheck`;

describe('mapper types', () => {
  it('wrong keys, columns, value types and parameters are compile-time errors', () => {
    mkdirSync(OUT, { recursive: true });
    writeFileSync(
      `${OUT}/tsconfig.json`,
      JSON.stringify({ extends: '../../../../tsconfig.json', compilerOptions: { noEmit: true }, include: [], files: [`${ROOT}/test/mapper/typecheck/errors.ts`] }),
    );
    let output = '';
    try {
      execFileSync(process.execPath, [`${ROOT}/node_modules/typescript/bin/tsc`, '-p', `${OUT}/tsconfig.json`], { encoding: 'utf8' });
    } catch (err) {
      output = String((err as { stdout?: string }).stdout ?? err);
    }
    expect(output).toBe('');
  }, 120_000);
});
