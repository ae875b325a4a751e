// README's quick start runs as written against the real node (only the contact point and the
// package import are pointed at this checkout and the test cluster).
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { asModule, readmeBlocks } from '../readme/readme-blocks.js';
import { contactPoints } from './env.js';

const OUT = fileURLToPath(new URL('../readme/.generated', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

it('README quick start runs as written', async () => {
  const block = readmeBlocks().find((b) => b.tags.includes('quickstart'));
  expect(block).toBeDefined();
  mkdirSync(OUT, { recursive: true });
  const file = `${OUT}/quickstart.ts`;
  const code = asModule(block!, OUT).replace("contactPoints: ['127.0.0.1:9042']", `contactPoints: ${JSON.stringify(contactPoints())}`);
  writeFileSync(file, code);
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, timeout: 90_000 });
  expect(stderr).toBe('');
  const lines = stdout.trim().split('\n');
  expect(lines[0]).toBe('kettle 24.90');
  expect(lines).toContain('1 kettle');
}, 120_000);
