// Spec §4.2.4 SUPPORTED: a [string multimap] of STARTUP options and their allowed values.
import type { Reader, Writer } from '../../buffer.js';
import { Opcode } from '../../constants.js';

/** SUPPORTED: the answer to OPTIONS. */
export interface SupportedResponse {
  readonly opcode: typeof Opcode.SUPPORTED;
  /** Option → supported values, e.g. `{ CQL_VERSION: ['3.4.7'], COMPRESSION: ['lz4', 'snappy'], PROTOCOL_VERSIONS: ['3/v3', '4/v4', '5/v5'] }`. */
  readonly options: Readonly<Record<string, string[]>>;
}

/** Write the body of a SUPPORTED. */
export function writeSupported(w: Writer, res: SupportedResponse): void {
  w.stringMultimap(res.options);
}

/** Read the body of a SUPPORTED (a prototype-free object). */
export function readSupported(r: Reader): SupportedResponse {
  return { opcode: Opcode.SUPPORTED, options: r.stringMultimap() };
}
