// Smoke test of the local Cassandra the global setup provides, with hand-built v4 frames over
// raw node:net / node:tls sockets: independent of protocol/ (the codec under test elsewhere).
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const CI = process.env.CI === 'true' || process.env.CI === '1';
import { authContactPoint, authCredentials, endpoints, splitHostPort, tlsCaPath } from './env.js';

interface RawFrame {
  version: number;
  flags: number;
  stream: number;
  opcode: number;
  body: Buffer;
}

function open(host: string, port: number, ca?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = ca ? tlsConnect({ host, port, ca: readFileSync(ca) }) : connect({ host, port });
    s.once(ca ? 'secureConnect' : 'connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Writes one v4 request frame and reads the one response frame. */
function roundTrip(socket: Socket, opcode: number, body: Buffer = Buffer.alloc(0), stream = 1, flags = 0): Promise<RawFrame> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 9 || buf.length < 9 + buf.readInt32BE(5)) return;
      socket.off('data', onData);
      resolve({ version: buf[0]!, flags: buf[1]!, stream: buf.readInt16BE(2), opcode: buf[4]!, body: buf.subarray(9, 9 + buf.readInt32BE(5)) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    const header = Buffer.alloc(9);
    header[0] = 0x04; // version 4, request
    header[1] = flags;
    header.writeInt16BE(stream, 2);
    header[4] = opcode;
    header.writeInt32BE(body.length, 5);
    socket.write(Buffer.concat([header, body]));
  });
}

/** [string multimap]: [short] n, then n x ([string] key, [string list] values). */
function parseStringMultimap(body: Buffer): Map<string, string[]> {
  let off = 0;
  const str = (): string => {
    const len = body.readUInt16BE(off);
    const s = body.toString('utf8', off + 2, off + 2 + len);
    off += 2 + len;
    return s;
  };
  const out = new Map<string, string[]>();
  const n = body.readUInt16BE(off);
  off += 2;
  for (let i = 0; i < n; i++) {
    const key = str();
    const count = body.readUInt16BE(off);
    off += 2;
    out.set(key, Array.from({ length: count }, str));
  }
  expect(off).toBe(body.length);
  return out;
}

function stringMap(entries: Record<string, string>): Buffer {
  const parts = [Buffer.from([0, Object.keys(entries).length])];
  for (const [k, v] of Object.entries(entries)) {
    for (const s of [k, v]) {
      const b = Buffer.from(s);
      parts.push(Buffer.from([b.length >> 8, b.length & 0xff]), b);
    }
  }
  return Buffer.concat(parts);
}

function bytes(value: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeInt32BE(value.length);
  return Buffer.concat([len, value]);
}

async function expectSupported(socket: Socket): Promise<void> {
  const reply = await roundTrip(socket, 0x05 /* OPTIONS */);
  expect(reply.version).toBe(0x84); // v4 response
  expect(reply.stream).toBe(1);
  expect(reply.opcode).toBe(0x06); // SUPPORTED
  const options = parseStringMultimap(reply.body);
  expect(options.get('PROTOCOL_VERSIONS')).toContain('5/v5');
  expect(options.get('PROTOCOL_VERSIONS')).toContain('4/v4');
  expect(options.get('COMPRESSION')).toContain('lz4');
  expect(options.get('CQL_VERSION')?.[0]).toMatch(/^3\./);
}

describe('local Cassandra from the launcher', () => {
  it('answers TCP on every contact point', async () => {
    for (const { host, port } of endpoints()) {
      const s = await open(host, port);
      s.destroy();
    }
  });

  it('answers a raw v4 OPTIONS with SUPPORTED listing v5 and lz4', async () => {
    for (const { host, port } of endpoints()) {
      const s = await open(host, port);
      try {
        await expectSupported(s);
      } finally {
        s.destroy();
      }
    }
  });

  it('traces on request and sends server-side warnings', async () => {
    const { host, port } = endpoints()[0]!;
    const s = await open(host, port);
    try {
      expect((await roundTrip(s, 0x01 /* STARTUP */, stringMap({ CQL_VERSION: '3.0.0' }))).opcode).toBe(0x02); // READY
      // QUERY: [long string] query, [short] consistency ONE, [byte] flags 0; frame flag 0x02 = tracing
      const query = Buffer.from('SELECT count(*) FROM system_schema.keyspaces');
      const r = await roundTrip(s, 0x07, Buffer.concat([bytes(query), Buffer.from([0x00, 0x01, 0x00])]), 1, 0x02);
      expect(r.opcode).toBe(0x08); // RESULT
      expect(r.flags & 0x02).toBe(0x02); // tracing id present
      expect(r.flags & 0x08).toBe(0x08); // warnings present
      let off = 16; // trace session uuid
      const count = r.body.readUInt16BE(off);
      off += 2;
      const warnings: string[] = [];
      for (let i = 0; i < count; i++) {
        const len = r.body.readUInt16BE(off);
        warnings.push(r.body.toString('utf8', off + 2, off + 2 + len));
        off += 2 + len;
      }
      expect(warnings.join('\n')).toContain('Aggregation query used without partition key');
    } finally {
      s.destroy();
    }
  });

  // Outside CI a developer without TLS / the auth node gets a skip; in CI both must be there.
  it.skipIf(!tlsCaPath() && !CI)('serves TLS on the same port, verified with the launcher CA', async () => {
    expect(tlsCaPath(), 'CI=true: the main node must serve TLS (start it with --tls)').toBeDefined();
    const { host, port } = endpoints()[0]!;
    const s = await open(host, port, tlsCaPath());
    try {
      await expectSupported(s);
    } finally {
      s.destroy();
    }
  });

  it.skipIf(!authContactPoint() && !CI)('auth node asks for PasswordAuthenticator and accepts the superuser', async () => {
    expect(authContactPoint(), 'CI=true: the auth node must be running').toBeDefined();
    const { host, port } = splitHostPort(authContactPoint()!);
    const creds = authCredentials()!;
    const login = async (password: string): Promise<RawFrame> => {
      const s = await open(host, port);
      try {
        const challenge = await roundTrip(s, 0x01 /* STARTUP */, stringMap({ CQL_VERSION: '3.0.0' }));
        expect(challenge.opcode).toBe(0x03); // AUTHENTICATE
        expect(challenge.body.toString('utf8', 2)).toContain('PasswordAuthenticator');
        return await roundTrip(s, 0x0f /* AUTH_RESPONSE */, bytes(Buffer.from(`\0${creds.username}\0${password}`)));
      } finally {
        s.destroy();
      }
    };
    expect((await login(creds.password)).opcode).toBe(0x10); // AUTH_SUCCESS
    const bad = await login('not-the-password');
    expect(bad.opcode).toBe(0x00); // ERROR
    expect(bad.body.readInt32BE(0)).toBe(0x0100); // bad credentials
  });
});
