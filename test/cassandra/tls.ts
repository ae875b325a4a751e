// Test PKI made with the JDK's keytool: a self-signed CA and a server certificate it signs,
// valid for 127.0.0.1-127.0.0.9 and localhost. Cassandra gets a PKCS12 keystore (server key +
// chain) and a truststore (the CA); clients get the CA as PEM.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LauncherError } from './errors.js';
import { tlsCaPemPath, tlsDir } from './paths.js';
import { checkJava } from './tools.js';

export const TLS_STORE_PASSWORD = 'cqlwire';

export interface TlsMaterial {
  dir: string;
  /** PEM of the CA: what a client passes as `ca` to node:tls. */
  caPem: string;
  /** PKCS12 keystore with the server key and its chain (server cert + CA). */
  keystore: string;
  /** PKCS12 truststore holding the CA only. */
  truststore: string;
  password: string;
}

/** Addresses the server certificate is valid for. */
export const TLS_SAN = [
  ...Array.from({ length: 9 }, (_, i) => `IP:127.0.0.${i + 1}`),
  'IP:0:0:0:0:0:0:0:1',
  'DNS:localhost',
].join(',');

function material(dir: string): TlsMaterial {
  return {
    dir,
    caPem: join(dir, 'ca.pem'),
    keystore: join(dir, 'server-keystore.p12'),
    truststore: join(dir, 'truststore.p12'),
    password: TLS_STORE_PASSWORD,
  };
}

/** Creates the CA and server keystore once; later calls return the existing files. */
export function ensureTls(log: (line: string) => void = () => {}): TlsMaterial {
  const final = material(tlsDir());
  if ([final.caPem, final.keystore, final.truststore].every((f) => existsSync(f))) return final;

  const { keytool } = checkJava();
  const tmpDir = `${tlsDir()}.partial-${process.pid}`;
  rmSync(tmpDir, { recursive: true, force: true });
  mkdirSync(tmpDir, { recursive: true });
  const m = material(tmpDir);
  const ca = join(tmpDir, 'ca.p12');
  const csr = join(tmpDir, 'server.csr');
  const crt = join(tmpDir, 'server.pem');
  const pw = TLS_STORE_PASSWORD;
  const run = (what: string, args: string[]): void => {
    const r = spawnSync(keytool, args, { encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      rmSync(tmpDir, { recursive: true, force: true });
      const msg = `${r.stderr ?? ''}${r.stdout ?? ''}`.trim().split('\n')[0] ?? String(r.error);
      throw new LauncherError(`keytool failed to ${what}: ${msg}`);
    }
  };
  log(`creating test CA and server certificate in ${tlsDir()}`);
  const common = ['-storetype', 'PKCS12', '-storepass', pw, '-keypass', pw];
  run('create the CA key', [
    '-genkeypair', '-alias', 'ca', '-keyalg', 'RSA', '-keysize', '2048', '-validity', '3650',
    '-dname', 'CN=cqlwire test CA,O=cqlwire', '-ext', 'bc:c', '-ext', 'KU=keyCertSign,cRLSign',
    '-keystore', ca, ...common,
  ]);
  run('export the CA certificate', ['-exportcert', '-rfc', '-alias', 'ca', '-keystore', ca, '-storepass', pw, '-file', m.caPem]);
  run('create the server key', [
    '-genkeypair', '-alias', 'node', '-keyalg', 'RSA', '-keysize', '2048', '-validity', '3650',
    '-dname', 'CN=localhost,O=cqlwire', '-keystore', m.keystore, ...common,
  ]);
  run('create the server CSR', ['-certreq', '-alias', 'node', '-keystore', m.keystore, '-storepass', pw, '-file', csr]);
  run('sign the server certificate', [
    '-gencert', '-alias', 'ca', '-keystore', ca, '-storepass', pw, '-infile', csr, '-outfile', crt, '-rfc',
    '-validity', '3650', '-ext', `SAN=${TLS_SAN}`, '-ext', 'KU=digitalSignature,keyEncipherment', '-ext', 'EKU=serverAuth',
  ]);
  run('import the CA into the keystore', ['-importcert', '-noprompt', '-alias', 'ca', '-file', m.caPem, '-keystore', m.keystore, '-storepass', pw]);
  run('import the signed server certificate', ['-importcert', '-noprompt', '-alias', 'node', '-file', crt, '-keystore', m.keystore, '-storepass', pw]);
  run('create the truststore', ['-importcert', '-noprompt', '-alias', 'ca', '-file', m.caPem, '-keystore', m.truststore, ...common]);
  rmSync(csr, { force: true });
  rmSync(final.dir, { recursive: true, force: true });
  renameSync(tmpDir, final.dir);
  return final;
}

export { tlsCaPemPath };
