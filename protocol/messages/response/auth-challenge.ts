// Spec §4.2.7 AUTH_CHALLENGE: a single [bytes] token.
import type { Reader, Writer } from '../../buffer.js';
import { Opcode } from '../../constants.js';

/** AUTH_CHALLENGE: a SASL challenge, answered by AUTH_RESPONSE. */
export interface AuthChallengeResponse {
  readonly opcode: typeof Opcode.AUTH_CHALLENGE;
  /** Authenticator-specific token (may be null). */
  readonly token: Buffer | null;
}

/** Write the body of an AUTH_CHALLENGE. */
export function writeAuthChallenge(w: Writer, res: AuthChallengeResponse): void {
  w.bytes(res.token);
}

/** Read the body of an AUTH_CHALLENGE (the token is copied). */
export function readAuthChallenge(r: Reader): AuthChallengeResponse {
  const t = r.bytes();
  return { opcode: Opcode.AUTH_CHALLENGE, token: t === null ? null : Buffer.from(t) };
}
