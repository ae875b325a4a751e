// Spec §4.1.2 AUTH_RESPONSE: a single [bytes] token.
import type { Reader, Writer } from '../../buffer.js';
import { Opcode } from '../../constants.js';

/** AUTH_RESPONSE: the client's SASL token for the current authentication step. */
export interface AuthResponseRequest {
  readonly opcode: typeof Opcode.AUTH_RESPONSE;
  /** Authenticator-specific token; null is sent as length -1. */
  readonly token: Buffer | null;
}

/** Write the body of an AUTH_RESPONSE. */
export function writeAuthResponse(w: Writer, req: AuthResponseRequest): void {
  w.bytes(req.token);
}

/** Read the body of an AUTH_RESPONSE (the token is copied). */
export function readAuthResponse(r: Reader): AuthResponseRequest {
  const t = r.bytes();
  return { opcode: Opcode.AUTH_RESPONSE, token: t === null ? null : Buffer.from(t) };
}
