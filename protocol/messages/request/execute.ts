// Spec §4.1.6 EXECUTE: v4 <id><query_parameters>; v5 <id><result_metadata_id><query_parameters>.
import type { Reader, Writer } from '../../buffer.js';
import type { ProtocolVersion } from '../../constants.js';
import { Opcode } from '../../constants.js';
import { encodeError } from '../util.js';
import { readQueryParameters, writeQueryParameters, type QueryParameters } from './query.js';

/** EXECUTE: run a prepared statement. */
export interface ExecuteRequest {
  readonly opcode: typeof Opcode.EXECUTE;
  /** Prepared statement id ([short bytes]) from the Prepared result. */
  readonly queryId: Buffer;
  /** v5 (required there; ignored by v4): result metadata id from the Prepared result or the last Metadata_changed Rows. */
  readonly resultMetadataId?: Buffer;
  /** Consistency, values, paging and other options. */
  readonly params: QueryParameters;
}

/** Write the body of an EXECUTE. */
export function writeExecute(w: Writer, req: ExecuteRequest, version: ProtocolVersion): void {
  w.shortBytes(req.queryId);
  if (version >= 5) {
    if (req.resultMetadataId === undefined) throw encodeError('EXECUTE in v5 needs resultMetadataId');
    w.shortBytes(req.resultMetadataId);
  }
  // v4 has no result metadata id; dropping it is harmless (it only validates cached metadata).
  writeQueryParameters(w, req.params, version);
}

/** Read the body of an EXECUTE; ids are copied. */
export function readExecute(r: Reader, version: ProtocolVersion): ExecuteRequest {
  const queryId = Buffer.from(r.shortBytes());
  if (version >= 5) {
    const resultMetadataId = Buffer.from(r.shortBytes());
    return { opcode: Opcode.EXECUTE, queryId, resultMetadataId, params: readQueryParameters(r, version) };
  }
  return { opcode: Opcode.EXECUTE, queryId, params: readQueryParameters(r, version) };
}
