// The Docker image's generated inputs (test/cassandra/image.ts), without Docker: the conf
// templates and JVM flags come from the launcher's config.ts with the placeholders the
// entrypoint fills in; the classpath and main class are left to the entrypoint.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { generatedFiles } from './image.js';

describe('cqlwire/cassandra image inputs', () => {
  const files = generatedFiles({ jammJar: '/home/me/.cache/cqlwire/cassandra-5.0.9/lib/jamm-0.4.0.jar' });

  test('cassandra.yaml: listen/seed placeholders, native port bound on @RPC@, clients told @BROADCAST_RPC@', () => {
    const yaml = files.get('conf/cassandra.yaml')!;
    expect(yaml).toContain('listen_address: @LISTEN@\n');
    expect(yaml).toContain('rpc_address: @RPC@\nbroadcast_rpc_address: @BROADCAST_RPC@\n');
    expect(yaml).toContain('seeds: "@LISTEN@"');
    expect(yaml).toContain('native_transport_port: 9042');
    expect(yaml).toContain('authenticator: AllowAllAuthenticator');
    expect(yaml).toMatch(/data_file_directories: \["\/var\/lib\/cassandra\/data\/data"\]/);
    expect(files.get('conf/cassandra-rackdc.properties')).toBe('dc=@DC@\nrack=@RACK@\nprefer_local=true\n');
    expect(files.get('conf/logback.xml')).toContain('ConsoleAppender');
  });

  test('jvm.args: the launcher flags with container paths, no classpath or main class', () => {
    const args = files.get('jvm.args')!.trim().split('\n');
    expect(args).toContain('-javaagent:/opt/cassandra/lib/jamm-0.4.0.jar');
    expect(args).toContain('-Dcassandra.config=file:///var/lib/cassandra/conf/cassandra.yaml');
    expect(args).toContain('-Xmx1g');
    expect(args).not.toContain('-cp');
    expect(args.some((a) => a.includes('/home/me'))).toBe(false);
    expect(args.at(-1)).not.toBe('org.apache.cassandra.service.CassandraDaemon');
  });

  test('the entrypoint fills every placeholder the templates use', () => {
    const entrypoint = readFileSync(new URL('./image/entrypoint.sh', import.meta.url), 'utf8');
    const used = new Set([...files.values()].flatMap((t) => [...t.matchAll(/@[A-Z_]+@/g)].map((m) => m[0])));
    expect([...used].sort()).toEqual(['@BROADCAST_RPC@', '@DC@', '@LISTEN@', '@RACK@', '@RPC@']);
    for (const p of used) expect(entrypoint).toContain(`s|${p}|`);
  });
});
