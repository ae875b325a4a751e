// Spec §4.1.3 OPTIONS: empty body.
import { Opcode } from '../../constants.js';

/** OPTIONS: asks which STARTUP options the server supports (answered by SUPPORTED). */
export interface OptionsRequest {
  readonly opcode: typeof Opcode.OPTIONS;
}

/** The OPTIONS message (it has no fields). */
export const OPTIONS_REQUEST: OptionsRequest = Object.freeze({ opcode: Opcode.OPTIONS });
