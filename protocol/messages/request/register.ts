// Spec §4.1.8 REGISTER: a [string list] of event types.
import type { Reader, Writer } from '../../buffer.js';
import { EventType, Opcode } from '../../constants.js';
import { malformed } from '../../errors.js';

/** REGISTER: subscribe this connection to server events (answered by READY). */
export interface RegisterRequest {
  readonly opcode: typeof Opcode.REGISTER;
  /** Event types to receive. */
  readonly events: readonly EventType[];
}

function isEventType(s: string): s is EventType {
  return s === EventType.TOPOLOGY_CHANGE || s === EventType.STATUS_CHANGE || s === EventType.SCHEMA_CHANGE;
}

/** Write the body of a REGISTER. */
export function writeRegister(w: Writer, req: RegisterRequest): void {
  w.stringList(req.events);
}

/** Read the body of a REGISTER; unknown event types are malformed (the server rejects them too). */
export function readRegister(r: Reader): RegisterRequest {
  const list = r.stringList();
  const events: EventType[] = [];
  for (const e of list) {
    if (!isEventType(e)) throw malformed(`unknown event type ${JSON.stringify(e)}`);
    events.push(e);
  }
  return { opcode: Opcode.REGISTER, events };
}
