// Spec §4.2.8 AUTH_SUCCESS: a single [bytes] token.
import type { Reader, Writer } from '../../buffer.js';
import { Opcode } from '../../constants.js';

/** AUTH_SUCCESS: authentication finished; the connection is ready. */
export interface AuthSuccessResponse {
  readonly opcode: typeof Opcode.AUTH_SUCCESS;
  /** Final authenticator-specific token (may be null). */
  readonly token: Buffer | null;
}

/** Write the body of an AUTH_SUCCESS. */
export function writeAuthSuccess(w: Writer, res: AuthSuccessResponse): void {
  w.bytes(res.token);
}

/** Read the body of an AUTH_SUCCESS (the token is copied). */
export function readAuthSuccess(r: Reader): AuthSuccessResponse {
  const t = r.bytes();
  return { opcode: Opcode.AUTH_SUCCESS, token: t === null ? null : Buffer.from(t) };
}
