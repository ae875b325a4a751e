import type { Compressor } from '../../protocol/index.js';
import { ConnectError } from '../errors/driver-errors.js';

/** Driver name sent in STARTUP (shown in `system_views.clients`). */
export const DRIVER_NAME = 'cqlwire';
/** Driver version sent in STARTUP. */
export const DRIVER_VERSION = '0.1.0';

/**
 * The STARTUP options for a server that answered OPTIONS with `supported`: CQL version, driver
 * name and version, and the compression asked for, which the server must offer.
 */
export function startupOptions(hostId: string, supported: Readonly<Record<string, string[]>>, compressor: Compressor | null): Record<string, string> {
  const startup: Record<string, string> = { CQL_VERSION: '3.0.0', DRIVER_NAME, DRIVER_VERSION };
  if (compressor) {
    const offered = supported['COMPRESSION'] ?? [];
    if (!offered.includes(compressor.name)) throw new ConnectError(hostId, `server does not support ${compressor.name} compression`);
    startup['COMPRESSION'] = compressor.name;
  }
  return startup;
}

/** The server refused the protocol version asked for: try the next one down. */
export function isVersionRejection(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (code === 'ERR_SERVER_PROTOCOL') return /version/i.test(err.message);
  return false;
}
