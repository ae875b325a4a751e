// Competitor drivers are the bench's own devDependencies (bench/package.json), never the root's.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const benchRequire = createRequire(new URL('../package.json', import.meta.url));

/** How to install the competitors. */
export const INSTALL_HINT = 'run `npm --prefix bench install` to install the comparison drivers (bench/package.json)';

/**
 * Install the competitors (`npm ci` in bench/, from its lockfile) when cassandra-driver is not
 * there yet, so a fresh clone's `npm run bench` compares against them without a setup step.
 * Returns false (and the caller prints {@link INSTALL_HINT}) when that fails, e.g. offline.
 */
export function ensureBenchDependencies(log: (line: string) => void): boolean {
  if (benchPackageVersion('cassandra-driver') !== null) return true;
  log('installing the comparison drivers (npm ci in bench/) ...');
  const benchDir = fileURLToPath(new URL('..', import.meta.url));
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: benchDir, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 10 * 60_000 });
  if (r.status !== 0) {
    log(`npm ci in bench/ failed: ${(r.stderr ?? String(r.error ?? '')).trim().split('\n').pop() ?? ''}`);
    return false;
  }
  return benchPackageVersion('cassandra-driver') !== null;
}

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
