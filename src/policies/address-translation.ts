
/** Maps the addresses nodes advertise to addresses the client can reach. */
export interface AddressTranslator {
  /** Translate `address:port` as advertised by the cluster. */
  translate(address: string, port: number): { address: string; port: number };
}

/** Leaves addresses as they are. */
export class IdentityAddressTranslator implements AddressTranslator {
  /** @inheritDoc */
  translate(address: string, port: number): { address: string; port: number } {
    return { address, port };
  }
}
