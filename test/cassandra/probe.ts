// Tiny raw-socket probes the launcher uses to decide a node is ready. Deliberately independent
// of protocol/ (the codec under test): a handful of hand-built v4 frames.
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { readFileSync } from 'node:fs';

const OP_ERROR = 0x00;
const OP_STARTUP = 0x01;
const OP_READY = 0x02;
const OP_AUTHENTICATE = 0x03;
const OP_OPTIONS = 0x05;
const OP_SUPPORTED = 0x06;
const OP_AUTH_RESPONSE = 0x0f;
const OP_AUTH_SUCCESS = 0x10;

/** True when something accepts a TCP connection on host:port within timeoutMs. */
export function tcpAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok: boolean): void => {
      s.removeAllListeners();
      s.on('error', () => {});
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

function frame(opcode: number, stream: number, body: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(9);
  h[0] = 0x04; // v4 request
  h[1] = 0;
  h.writeInt16BE(stream, 2);
  h[4] = opcode;
  h.writeInt32BE(body.length, 5);
  return Buffer.concat([h, body]);
}

function stringMap(map: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  const n = Buffer.alloc(2);
  n.writeUInt16BE(Object.keys(map).length);
  parts.push(n);
  for (const [k, v] of Object.entries(map)) {
    for (const s of [k, v]) {
      const b = Buffer.from(s, 'utf8');
      const l = Buffer.alloc(2);
      l.writeUInt16BE(b.length);
      parts.push(l, b);
    }
  }
  return Buffer.concat(parts);
}

interface Frame {
  opcode: number;
  body: Buffer;
}

/** Sends frames one at a time over one socket and reads whole response frames. */
class RawConn {
  private buf = Buffer.alloc(0);
  private waiter: ((f: Frame | Error) => void) | undefined;
  private failure: Error | undefined;

  constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.pump();
    });
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    const w = this.waiter;
    this.waiter = undefined;
    w?.(e);
  }

  private pump(): void {
    if (!this.waiter || this.buf.length < 9) return;
    const len = this.buf.readInt32BE(5);
    if (this.buf.length < 9 + len) return;
    const f = { opcode: this.buf[4] ?? -1, body: this.buf.subarray(9, 9 + len) };
    this.buf = this.buf.subarray(9 + len);
    const w = this.waiter;
    this.waiter = undefined;
    w(f);
  }

  request(opcode: number, body?: Buffer): Promise<Frame> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiter = (f) => (f instanceof Error ? reject(f) : resolve(f));
      this.socket.write(frame(opcode, 1, body));
      this.pump();
    });
  }
}

function errorMessage(body: Buffer): string {
  const code = body.readInt32BE(0);
  const len = body.readUInt16BE(4);
  return `server error 0x${code.toString(16)}: ${body.subarray(6, 6 + len).toString('utf8')}`;
}

export interface ProbeOptions {
  host: string;
  port: number;
  timeoutMs?: number;
  /** Use TLS, trusting this CA (PEM path). */
  tlsCa?: string;
  /** Also log in with these credentials (PasswordAuthenticator, SASL PLAIN). */
  credentials?: { username: string; password: string };
}

async function withConn<T>(o: ProbeOptions, fn: (c: RawConn) => Promise<T>): Promise<T> {
  const timeoutMs = o.timeoutMs ?? 3000;
  const socket: Socket = await new Promise((resolve, reject) => {
    const s = o.tlsCa
      ? tlsConnect({ host: o.host, port: o.port, ca: readFileSync(o.tlsCa) })
      : connect({ host: o.host, port: o.port });
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`connect to ${o.host}:${o.port} timed out`));
    }, timeoutMs);
    s.once(o.tlsCa ? 'secureConnect' : 'connect', () => {
      clearTimeout(t);
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
  const conn = new RawConn(socket);
  const timer = setTimeout(() => socket.destroy(new Error(`no answer from ${o.host}:${o.port} in ${timeoutMs} ms`)), timeoutMs);
  try {
    return await fn(conn);
  } finally {
    clearTimeout(timer);
    socket.removeAllListeners('close');
    socket.on('error', () => {});
    socket.destroy();
  }
}

/** OPTIONS -> SUPPORTED round trip: the node's native transport is serving requests. */
export async function optionsAnswers(o: ProbeOptions): Promise<boolean> {
  try {
    return await withConn(o, async (c) => (await c.request(OP_OPTIONS)).opcode === OP_SUPPORTED);
  } catch {
    return false;
  }
}

export type StartupOutcome = 'ready' | 'authenticated' | 'auth-required' | { error: string };

/**
 * STARTUP, and if the server asks for authentication and credentials are given, one SASL PLAIN
 * AUTH_RESPONSE. Tells whether the node requires auth and whether the credentials work.
 */
export async function startupProbe(o: ProbeOptions): Promise<StartupOutcome> {
  try {
    return await withConn(o, async (c) => {
      const r = await c.request(OP_STARTUP, stringMap({ CQL_VERSION: '3.0.0' }));
      if (r.opcode === OP_READY) return 'ready';
      if (r.opcode === OP_ERROR) return { error: errorMessage(r.body) };
      if (r.opcode !== OP_AUTHENTICATE) return { error: `unexpected opcode 0x${r.opcode.toString(16)}` };
      if (!o.credentials) return 'auth-required';
      const token = Buffer.from(`\0${o.credentials.username}\0${o.credentials.password}`, 'utf8');
      const len = Buffer.alloc(4);
      len.writeInt32BE(token.length);
      const a = await c.request(OP_AUTH_RESPONSE, Buffer.concat([len, token]));
      if (a.opcode === OP_AUTH_SUCCESS) return 'authenticated';
      if (a.opcode === OP_ERROR) return { error: errorMessage(a.body) };
      return { error: `unexpected opcode 0x${a.opcode.toString(16)}` };
    });
  } catch (e) {
    return { error: (e as Error).message };
  }
}
