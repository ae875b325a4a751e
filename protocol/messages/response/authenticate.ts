// Spec §4.2.3 AUTHENTICATE: a [string], the authenticator's class name.
import type { Reader, Writer } from '../../buffer.js';
import { Opcode } from '../../constants.js';

/** AUTHENTICATE: the server requires SASL authentication with this authenticator. */
export interface AuthenticateResponse {
  readonly opcode: typeof Opcode.AUTHENTICATE;
  /** Fully qualified IAuthenticator class name, e.g. org.apache.cassandra.auth.PasswordAuthenticator. */
  readonly authenticator: string;
}

/** Write the body of an AUTHENTICATE. */
export function writeAuthenticate(w: Writer, res: AuthenticateResponse): void {
  w.string(res.authenticator);
}

/** Read the body of an AUTHENTICATE. */
export function readAuthenticate(r: Reader): AuthenticateResponse {
  return { opcode: Opcode.AUTHENTICATE, authenticator: r.string() };
}
