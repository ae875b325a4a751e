// Competitor drivers are the bench's own devDependencies (bench/package.json), never the root's.
import { createRequire } from 'node:module';

const benchRequire = createRequire(new URL('../package.json', import.meta.url));

/** How to install the competitors. */
export const INSTALL_HINT = 'run `npm --prefix bench install` to install the comparison drivers (bench/package.json)';

/** `require` a package installed in bench/node_modules, or undefined if it is not there. */
export function benchOptional(id: string): unknown {
  try {
    return benchRequire(id);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'MODULE_NOT_FOUND') return undefined;
    throw err;
  }
}

/** Version of a package in bench/node_modules, or null. */
export function benchPackageVersion(name: string): string | null {
  const pkg = benchOptional(`${name}/package.json`) as { version?: string } | undefined;
  return pkg?.version ?? null;
}
