import { AuthError } from '../errors/driver-errors.js';

/**
 * SASL authentication (spec §4.2.3 AUTHENTICATE / AUTH_CHALLENGE / AUTH_SUCCESS).
 * Implement {@link AuthProvider} for custom mechanisms; {@link PlainTextAuthProvider} covers
 * Cassandra's PasswordAuthenticator.
 */
export interface AuthProvider {
  /** Start one exchange for a connection; `authenticator` is the server's class name. */
  newAuthenticator(host: string, authenticator: string): Authenticator;
}

/** One SASL exchange on one connection. */
export interface Authenticator {
  /** First token sent in AUTH_RESPONSE. */
  initialResponse(): Uint8Array | null | Promise<Uint8Array | null>;
  /** Answer to an AUTH_CHALLENGE. */
  evaluateChallenge(challenge: Uint8Array | null): Uint8Array | null | Promise<Uint8Array | null>;
  /** Called on AUTH_SUCCESS with the server's final token. */
  onSuccess?(token: Uint8Array | null): void;
}

/** SASL PLAIN with a username and password (Cassandra PasswordAuthenticator). */
export class PlainTextAuthProvider implements AuthProvider {
  readonly #token: Buffer;

  constructor(username: string, password: string) {
    // The credential lives only in this private field; it never reaches messages or logs.
    this.#token = Buffer.concat([Buffer.from([0]), Buffer.from(username, 'utf8'), Buffer.from([0]), Buffer.from(password, 'utf8')]);
  }

  /** @inheritDoc */
  newAuthenticator(): Authenticator {
    const token = this.#token;
    return {
      initialResponse: () => token,
      evaluateChallenge: () => token,
    };
  }

  /** Hide the credential from util.inspect / console.log. */
  toJSON(): object {
    return { type: 'PlainTextAuthProvider' };
  }

  /** Hide the credential from util.inspect / console.log. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'PlainTextAuthProvider {}';
  }
}

/** The server's answer to one AUTH_RESPONSE, as {@link authenticate} needs it. */
export type AuthReply = { readonly opcode: 'success' | 'challenge'; readonly token: Uint8Array | null };

/**
 * Run one SASL exchange with `provider` (spec §4.2.3): `respond` sends an AUTH_RESPONSE and
 * returns the server's AUTH_SUCCESS or AUTH_CHALLENGE.
 * @internal
 */
export async function authenticate(
  hostId: string,
  provider: AuthProvider | undefined,
  authenticatorName: string,
  respond: (token: Uint8Array | null) => Promise<AuthReply>,
): Promise<void> {
  if (!provider) throw new AuthError(`${hostId} requires authentication (${authenticatorName}) but no authProvider is configured`);
  // The provider is user code: whatever it throws reaches the caller as an AuthError (cause kept).
  const step = async <T>(what: string, fn: () => T | Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw new AuthError(`authentication provider failed in ${what} for ${hostId}`, err);
    }
  };
  const auth = await step('newAuthenticator', () => provider.newAuthenticator(hostId, authenticatorName));
  let token = await step('initialResponse', () => auth.initialResponse());
  for (let round = 0; round < 100; round++) {
    const reply = await respond(token);
    if (reply.opcode === 'success') {
      await step('onSuccess', () => auth.onSuccess?.(reply.token));
      return;
    }
    token = await step('evaluateChallenge', () => auth.evaluateChallenge(reply.token));
  }
  throw new AuthError('authentication did not finish after 100 rounds');
}
