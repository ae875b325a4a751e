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
