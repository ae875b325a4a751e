#!/usr/bin/env node
// The `cqlwire` command: a small dispatcher, one module per subcommand, loaded on demand.
const [command, ...args] = process.argv.slice(2);
const commands: Record<string, () => Promise<(argv: readonly string[]) => Promise<{ code: number; out: readonly string[]; err: readonly string[] }>>> = {
  generate: async () => (await import('./commands/generate.js')).runGenerate,
  export: async () => (await import('./commands/bulk.js')).runExport,
  import: async () => (await import('./commands/bulk.js')).runImport,
};
const load = command !== undefined && Object.hasOwn(commands, command) ? commands[command] : undefined;
const usage = `usage: cqlwire <command> [options]  (cqlwire <command> --help for its options)\ncommands: ${Object.keys(commands).join(', ')}\n`;
if (command === '--help' || command === '-h' || command === 'help') {
  process.stdout.write(usage);
} else if (load === undefined) {
  process.stderr.write(command === undefined ? usage : `cqlwire: unknown command '${command}'\n${usage}`);
  process.exitCode = 2;
} else {
  const result = await (await load())(args);
  for (const line of result.out) process.stdout.write(`${line}\n`);
  for (const line of result.err) process.stderr.write(`${line}\n`);
  process.exitCode = result.code;
}
export {};
