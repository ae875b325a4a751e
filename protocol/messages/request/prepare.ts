// Spec §4.1.5 PREPARE: v4 <query>; v5 <query><flags>[<keyspace>] with flags an [int].
import type { Reader, Writer } from '../../buffer.js';
import type { ProtocolVersion } from '../../constants.js';
import { Opcode } from '../../constants.js';
import { requireV5 } from '../util.js';

/** PREPARE flag (v5): a keyspace follows. */
const PREPARE_WITH_KEYSPACE = 0x01;

/** PREPARE: prepare a statement for EXECUTE (answered by a Prepared result). */
export interface PrepareRequest {
  readonly opcode: typeof Opcode.PREPARE;
  /** CQL text. */
  readonly query: string;
  /** v5: keyspace to prepare the statement in. */
  readonly keyspace?: string;
}

/** Write the body of a PREPARE. */
export function writePrepare(w: Writer, req: PrepareRequest, version: ProtocolVersion): void {
  w.longString(req.query);
  if (version >= 5) {
    if (req.keyspace === undefined) {
      w.int(0);
    } else {
      w.int(PREPARE_WITH_KEYSPACE);
      w.string(req.keyspace);
    }
  } else if (req.keyspace !== undefined) {
    requireV5(version, 'keyspace');
  }
}

/** Read the body of a PREPARE. */
export function readPrepare(r: Reader, version: ProtocolVersion): PrepareRequest {
  const query = r.longString();
  if (version >= 5) {
    const flags = r.int();
    if (flags & PREPARE_WITH_KEYSPACE) return { opcode: Opcode.PREPARE, query, keyspace: r.string() };
  }
  return { opcode: Opcode.PREPARE, query };
}
