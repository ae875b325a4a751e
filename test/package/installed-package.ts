// The package as a consumer's node_modules holds it, without npm: this checkout's build
// (tsc -p tsconfig.build.json into a temporary dir) plus package.json (its exports map),
// linked as node_modules/cqlwire of an empty project. Cheaper than `npm pack` + `npm install`
// (test/package/pack.test.ts checks those); used by tests that run code against the package.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

/** Builds the package into `<work>/pkg` and makes `<work>/<project>` an empty project that has it installed. Returns the project dir. */
export function projectWithPackage(work: string, project = 'app', type: 'module' | 'commonjs' = 'module'): string {
  const pkg = join(work, 'pkg');
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')], {
    cwd: ROOT,
    stdio: 'pipe',
    timeout: 240_000,
  });
  cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  const dir = join(work, project);
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(pkg, join(dir, 'node_modules', 'cqlwire'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: project, private: true, type }));
  return dir;
}
