// Locating and checking the external tools the launcher needs: a JDK 11 or 17 (java, keytool)
// and, only for the first download of the jars, Maven.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LauncherError } from './errors.js';

export interface JavaInfo {
  java: string;
  keytool: string;
  major: number;
  versionLine: string;
  modules: Set<string>;
}

function javaHomeBin(tool: string): string {
  const home = process.env.JAVA_HOME;
  if (home) {
    const p = join(home, 'bin', tool);
    if (existsSync(p)) return p;
  }
  return tool;
}

let cachedJava: JavaInfo | undefined;

/** Finds java ($JAVA_HOME/bin, else PATH) and checks it is 11 or 17, the versions Cassandra 5.0 supports. */
export function checkJava(): JavaInfo {
  if (cachedJava) return cachedJava;
  const java = javaHomeBin('java');
  const r = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new LauncherError(
      `no Java found (tried ${java}${process.env.JAVA_HOME ? ' from JAVA_HOME' : ' on PATH'}): install a JDK 17 (or 11) or set JAVA_HOME`,
    );
  }
  const out = `${r.stderr}${r.stdout}`;
  const m = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(out);
  const first = m ? Number(m[1]) : NaN;
  const major = first === 1 && m?.[2] ? Number(m[2]) : first;
  const versionLine = out.split('\n')[0]?.trim() ?? '';
  if (major !== 11 && major !== 17) {
    throw new LauncherError(
      `Java ${Number.isNaN(major) ? '(unknown version)' : major} found at ${java} but Cassandra 5.0 needs Java 11 or 17: set JAVA_HOME to a JDK 17 (${versionLine})`,
    );
  }
  const keytool = javaHomeBin('keytool');
  const mods = spawnSync(java, ['--list-modules'], { encoding: 'utf8' });
  const modules = new Set(
    (mods.stdout ?? '')
      .split('\n')
      .map((l) => l.split('@')[0]?.trim() ?? '')
      .filter((l) => l.length > 0),
  );
  cachedJava = { java, keytool, major, versionLine, modules };
  return cachedJava;
}

/** Maven is needed only when the jars are not cached yet. */
export function checkMaven(): string {
  const mvn = process.env.CQLWIRE_MVN ?? 'mvn';
  const r = spawnSync(mvn, ['-v'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new LauncherError(
      `no Maven found (tried '${mvn}'): Maven is needed once to download the Cassandra jars; install it (e.g. apt-get install maven) or set CQLWIRE_MVN`,
    );
  }
  return mvn;
}
