// Spec §4.1.1 STARTUP: a [string map] of options.
import type { Reader, Writer } from '../../buffer.js';
import { Opcode } from '../../constants.js';

/** Well-known STARTUP option keys. Servers ignore keys they do not know. */
export const StartupOption = {
  /** Mandatory; "3.0.0". */
  CQL_VERSION: 'CQL_VERSION',
  /** Frame/segment compression: "lz4" or "snappy" (v4 only). */
  COMPRESSION: 'COMPRESSION',
  /** Shown in system_views.clients. */
  DRIVER_NAME: 'DRIVER_NAME',
  /** Shown in system_views.clients. */
  DRIVER_VERSION: 'DRIVER_VERSION',
  /** "true": answer OVERLOADED instead of applying backpressure when the server is overloaded. */
  THROW_ON_OVERLOAD: 'THROW_ON_OVERLOAD',
  /** "true": show COMPACT STORAGE tables as if compact storage were dropped. */
  NO_COMPACT: 'NO_COMPACT',
} as const;

/** STARTUP: opens the connection with the given options. */
export interface StartupRequest {
  readonly opcode: typeof Opcode.STARTUP;
  /** Option key → value, e.g. `{ CQL_VERSION: '3.0.0' }`; see {@link StartupOption}. */
  readonly options: Readonly<Record<string, string>>;
}

/** Write the body of a STARTUP. */
export function writeStartup(w: Writer, req: StartupRequest): void {
  w.stringMap(req.options);
}

/** Read the body of a STARTUP. */
export function readStartup(r: Reader): StartupRequest {
  return { opcode: Opcode.STARTUP, options: r.stringMap() };
}
