// Extracts the TypeScript examples of README.md so tests can type-check and run them as written.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One ```ts block of README.md. */
export interface ReadmeBlock {
  /** Words after `ts` in the fence, e.g. `quickstart`. */
  readonly tags: readonly string[];
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly code: string;
}

export const README_PATH = fileURLToPath(new URL('../../README.md', import.meta.url));
const SRC_INDEX = fileURLToPath(new URL('../../src/index.js', import.meta.url));
const PROTOCOL_INDEX = fileURLToPath(new URL('../../protocol/index.js', import.meta.url));
const TESTING_INDEX = fileURLToPath(new URL('../../src/testing/index.js', import.meta.url));
const MAPPER_INDEX = fileURLToPath(new URL('../../src/mapper/index.js', import.meta.url));
const OTEL_INDEX = fileURLToPath(new URL('../../src/otel/index.js', import.meta.url));

/** The ```ts blocks (default), or the ```js blocks (plain JavaScript examples). */
export function readmeBlocks(lang: 'ts' | 'js' = 'ts'): ReadmeBlock[] {
  const lines = readFileSync(README_PATH, 'utf8').split('\n');
  const out: ReadmeBlock[] = [];
  const fence = lang === 'ts' ? /^```(ts|typescript)\b(.*)$/ : /^```(js|javascript)\b(.*)$/;
  for (let i = 0; i < lines.length; i++) {
    const open = fence.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) body.push(lines[i]!);
    out.push({ tags: open[2]!.trim().split(/\s+/).filter(Boolean), line: start + 1, code: body.join('\n') + '\n' });
  }
  return out;
}

/**
 * The block as a module that imports the package from this checkout. Blocks that use a
 * `client` without creating one get `declare const client: Client` in front: README snippets
 * after the first continue with the reader's client.
 */
export function asModule(block: ReadmeBlock, fromDir: string): string {
  const rel = (p: string): string => {
    let r = p.startsWith(fromDir) ? p.slice(fromDir.length + 1) : p;
    if (!r.startsWith('.') && !r.startsWith('/')) r = `./${r}`;
    return r;
  };
  let code = block.code
    .replace(/from 'cqlwire\/protocol'/g, `from '${PROTOCOL_INDEX}'`)
    .replace(/from 'cqlwire\/testing'/g, `from '${TESTING_INDEX}'`)
    .replace(/from 'cqlwire\/mapper'/g, `from '${MAPPER_INDEX}'`)
    .replace(/from 'cqlwire\/otel'/g, `from '${OTEL_INDEX}'`)
    .replace(/from 'cqlwire'/g, `from '${SRC_INDEX}'`);
  void rel;
  const createsClient = /\b(const|let|using)\s+client\b/.test(code);
  if (!createsClient && /\bclient\b/.test(code)) {
    code = `import type { Client as ReadmeClient } from '${SRC_INDEX}';\ndeclare const client: ReadmeClient;\n${code}`;
  }
  return `// README.md line ${block.line}\n${code}\nexport {};\n`;
}
