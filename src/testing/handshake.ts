// The connection handshake as Cassandra runs it: version negotiation, OPTIONS / STARTUP
// (compression, v5 segment framing), SASL PLAIN authentication and REGISTER.
import {
  ErrorCode,
  FrameDecoder,
  Opcode,
  SegmentDecoder,
  Writer,
  decodeRequest,
  writeResponseFrame,
  type Compressor,
  type Frame,
  type Request,
} from '../../protocol/index.js';
import type { FakeConnection } from './connection.js';
import { errorInfo, errorReply, type FakeReply } from './replies.js';

/** The `PasswordAuthenticator` class name Cassandra announces in AUTHENTICATE. */
export const PASSWORD_AUTHENTICATOR = 'org.apache.cassandra.auth.PasswordAuthenticator';

/** What the handshake offers and requires: the server's options with defaults filled in. */
export interface HandshakeSettings {
  /** Protocol versions accepted. */
  readonly versions: readonly (4 | 5)[];
  /** Compression algorithms offered in SUPPORTED. */
  readonly compression: readonly string[];
  /** Codec used when a client asks for LZ4. */
  readonly compressor: Compressor;
  /** Credentials PasswordAuthenticator requires, if any. */
  readonly credentials: { readonly username: string; readonly password: string } | undefined;
}

/** Whether the server speaks protocol `version`. */
export function acceptsVersion(settings: HandshakeSettings, version: number): boolean {
  return settings.versions.includes(version as 4 | 5);
}

function versionNames(versions: readonly (4 | 5)[]): string[] {
  return versions.map((v) => `${v}/v${v}`);
}

/**
 * Like Cassandra: answer a first frame of an unsupported version with a PROTOCOL_ERROR in the
 * newest version the server speaks, then close.
 */
export function refuseVersion(settings: HandshakeSettings, conn: FakeConnection, version: number, stream: number): void {
  const answerVersion = Math.max(...settings.versions) as 4 | 5;
  const list = versionNames(settings.versions).join(', ');
  const w = new Writer(128);
  writeResponseFrame(w, answerVersion, stream, {
    opcode: Opcode.ERROR,
    error: errorInfo(ErrorCode.PROTOCOL_ERROR, `Invalid or unsupported protocol version (${version}); supported versions are (${list})`),
  });
  conn.closed = true;
  conn.socket.end(Buffer.from(w.finish()));
}

/**
 * v5: the client frames everything after STARTUP in segments, so decode what follows with a
 * segment decoder; the server switches its own framing once the STARTUP answer is out.
 */
export function beginSegments(settings: HandshakeSettings, conn: FakeConnection, startup: Frame): void {
  const compression = startupCompressor(settings, startup);
  conn.decoder = new SegmentDecoder({ compressor: compression });
  conn.pendingSegmentSwitch = { compressor: compression };
}

function startupCompressor(settings: HandshakeSettings, startup: Frame): Compressor | undefined {
  try {
    const m = decodeRequest(startup).message;
    if (m.opcode === Opcode.STARTUP && m.options['COMPRESSION'] === 'lz4') return settings.compressor;
  } catch {
    // answered as a protocol error later
  }
  return undefined;
}

/**
 * The answer to a handshake message (OPTIONS, STARTUP, AUTH_RESPONSE, REGISTER), or the
 * refusal of any other message before authentication; undefined once the request is for the
 * query layer.
 */
export function handshakeReply(settings: HandshakeSettings, conn: FakeConnection, m: Request): FakeReply | undefined {
  switch (m.opcode) {
    case Opcode.OPTIONS:
      return {
        response: {
          opcode: Opcode.SUPPORTED,
          options: {
            CQL_VERSION: ['3.4.7'],
            COMPRESSION: [...settings.compression],
            PROTOCOL_VERSIONS: versionNames(settings.versions),
          },
        },
      };
    case Opcode.STARTUP: {
      conn.startupOptions = m.options;
      const c = m.options['COMPRESSION'];
      if (c !== undefined && !(c === 'lz4' && settings.compression.includes('lz4'))) {
        conn.pendingSegmentSwitch = undefined;
        return errorReply(errorInfo(ErrorCode.PROTOCOL_ERROR, `Unknown compression algorithm: ${c}`));
      }
      // v4: Cassandra compresses from the answer to STARTUP on.
      if (conn.version === 4 && c === 'lz4') conn.compressor = settings.compressor;
      if (settings.credentials) return { response: { opcode: Opcode.AUTHENTICATE, authenticator: PASSWORD_AUTHENTICATOR } };
      conn.authenticated = true;
      return { response: { opcode: Opcode.READY } };
    }
    case Opcode.AUTH_RESPONSE: {
      const creds = settings.credentials;
      const token = m.token ?? Buffer.alloc(0);
      const parts = token.toString('utf8').split('\0');
      if (creds && parts.length === 3 && parts[1] === creds.username && parts[2] === creds.password) {
        conn.authenticated = true;
        return { response: { opcode: Opcode.AUTH_SUCCESS, token: null } };
      }
      return errorReply(errorInfo(ErrorCode.AUTHENTICATION_ERROR, `Provided username ${parts[1] ?? ''} and/or password are incorrect`));
    }
    case Opcode.REGISTER:
      return { response: { opcode: Opcode.READY } };
    default:
      break;
  }
  if (!conn.authenticated) return errorReply(errorInfo(ErrorCode.PROTOCOL_ERROR, 'Unexpected message, expecting STARTUP or AUTH_RESPONSE'));
  return undefined;
}

/** Connection state changes that follow an answer (v5 segments and v4 compression after STARTUP). */
export function afterReply(settings: HandshakeSettings, conn: FakeConnection, opcode: number): void {
  if (opcode !== Opcode.STARTUP) return;
  const sw = conn.pendingSegmentSwitch;
  if (conn.version === 5 && sw !== undefined) {
    conn.pendingSegmentSwitch = undefined;
    conn.segments = true;
    conn.compressor = sw.compressor;
  } else if (conn.version === 4 && conn.startupOptions?.['COMPRESSION'] === 'lz4') {
    // Inbound compressed v4 frames are decompressed by the frame decoder from now on.
    (conn.decoder as FrameDecoder).setCompressor(settings.compressor);
  }
}
