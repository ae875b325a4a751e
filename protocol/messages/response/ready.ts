// Spec §4.2.2 READY: empty body.
import { Opcode } from '../../constants.js';

/** READY: the connection is ready for queries (or REGISTER succeeded). */
export interface ReadyResponse {
  readonly opcode: typeof Opcode.READY;
}

/** The READY message (it has no fields). */
export const READY_RESPONSE: ReadyResponse = Object.freeze({ opcode: Opcode.READY });
