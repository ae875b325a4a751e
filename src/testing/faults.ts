// Rule-based fault injection: which requests a rule picks, and what its action does to the
// answer and the connection (delays, silence, closes, resets, broken or lying frames).
import { Opcode } from '../../protocol/index.js';
import { frameHeader, type FakeConnection } from './connection.js';
import { queryMatches, type ReceivedRequest } from './recording.js';
import type { FakeReply, errorReply } from './replies.js'; // errorReply: for a doc link

/** What a fault rule does to the request it matches. */
export type FaultAction =
  /** Answer normally, `ms` milliseconds later. */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Never answer. */
  | { readonly kind: 'noReply' }
  /** Close the socket gracefully (FIN) instead of answering. */
  | { readonly kind: 'close' }
  /** Reset the socket (RST) instead of answering. */
  | { readonly kind: 'reset' }
  /** Write the first half of the answer's bytes, then close the socket. */
  | { readonly kind: 'halfFrame' }
  /** v5 segments only: flip a bit of the answer's payload CRC32. */
  | { readonly kind: 'corruptCrc' }
  /** Answer with this reply (typically {@link errorReply}) instead of the normal one. */
  | { readonly kind: 'reply'; readonly reply: FakeReply }
  /** Answer on another stream id: `stream`, or the request's id + 1 when absent. */
  | { readonly kind: 'wrongStream'; readonly stream?: number }
  /** Answer twice on the request's stream id. */
  | { readonly kind: 'duplicateStream' }
  /** Send a frame header declaring a body of `length` bytes (default 2 GiB), then nothing more. */
  | { readonly kind: 'hugeLength'; readonly length?: number }
  /**
   * Answer on the request's stream with a frame of this opcode (default RESULT) and these body
   * bytes, framed like any answer (segments, compression): e.g. a malformed or truncated body.
   */
  | { readonly kind: 'rawBody'; readonly body: Uint8Array; readonly opcode?: number; readonly flags?: number };

/**
 * A fault rule: when every given criterion matches a request, `action` replaces the normal
 * answer. Rules are tried in the order added; the first that matches wins.
 */
export interface FaultRule {
  /** Only requests with this opcode ({@link Opcode}). */
  readonly opcode?: number;
  /** Only requests whose {@link ReceivedRequest.query} equals this text or matches this pattern. */
  readonly query?: string | RegExp;
  /** Only requests on this connection index (0-based, in accept order). */
  readonly connection?: number;
  /** Only the nth request (1-based) among those matching the other criteria. */
  readonly nth?: number;
  /** Only requests for which this returns true (evaluated after the other criteria). */
  readonly predicate?: (request: ReceivedRequest) => boolean;
  /** Apply at most this many times (default: unlimited). */
  readonly times?: number;
  /** What to do. */
  readonly action: FaultAction;
}

/** A rule added to a running server; `remove()` takes it out again. */
export interface FaultRuleHandle {
  /** How many times the rule was applied so far. */
  readonly applied: number;
  /** Stop applying the rule. */
  remove(): void;
}

interface RuleState {
  readonly rule: FaultRule;
  matched: number;
  applied: number;
  removed: boolean;
}

/** The fault rules in force on a server, in the order added. */
export class FaultRules {
  private readonly rules: RuleState[] = [];

  /** Add a rule after the others. */
  add(rule: FaultRule): FaultRuleHandle {
    const state: RuleState = { rule, matched: 0, applied: 0, removed: false };
    this.rules.push(state);
    return {
      get applied() {
        return state.applied;
      },
      remove: () => {
        state.removed = true;
      },
    };
  }

  /** Remove every rule (handles given out stop applying too). */
  clear(): void {
    for (const r of this.rules) r.removed = true;
    this.rules.length = 0;
  }

  /** The first rule that matches `req`, counted as applied; undefined when none does. */
  match(req: ReceivedRequest): FaultRule | undefined {
    for (const s of this.rules) {
      const r = s.rule;
      if (s.removed) continue;
      if (r.times !== undefined && s.applied >= r.times) continue;
      if (r.opcode !== undefined && r.opcode !== req.opcode) continue;
      if (r.connection !== undefined && r.connection !== req.connection) continue;
      if (r.query !== undefined && (req.query === undefined || !queryMatches(r.query, req.query))) continue;
      if (r.predicate !== undefined && !r.predicate(req)) continue;
      s.matched++;
      if (r.nth !== undefined && s.matched !== r.nth) continue;
      s.applied++;
      return r;
    }
    return undefined;
  }
}

/** How a fault gets the normal answer sent, now or later. */
export interface FaultRunner {
  /** Compute the normal answer and send it, transformed by `fault` when given. */
  answer(fault?: FaultAction): void;
  /** Run `fn` in `ms` milliseconds, unless the server closes first. */
  later(ms: number, fn: () => void): void;
}

/** Apply `action` to `req` instead of answering it normally. */
export function applyFault(conn: FakeConnection, req: ReceivedRequest, action: FaultAction, run: FaultRunner): void {
  switch (action.kind) {
    case 'delay':
      run.later(action.ms, () => run.answer());
      return;
    case 'noReply':
      return;
    case 'close':
      conn.closed = true;
      conn.socket.end();
      return;
    case 'reset':
      conn.closed = true;
      conn.reset();
      return;
    case 'reply':
      conn.write(conn.encode(req.stream, action.reply));
      return;
    default:
      run.answer(action);
  }
}

/** Send `reply`, the normal answer to `req`, broken the way `fault` says. */
export function sendFaulty(conn: FakeConnection, req: ReceivedRequest, reply: FakeReply, fault: FaultAction): void {
  switch (fault.kind) {
    case 'halfFrame': {
      const bytes = conn.encode(req.stream, reply);
      conn.closed = true;
      conn.socket.end(bytes.subarray(0, Math.max(1, bytes.length >> 1)));
      return;
    }
    case 'corruptCrc': {
      const bytes = Buffer.from(conn.encode(req.stream, reply));
      if (conn.segments) bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0x01;
      conn.write(bytes);
      return;
    }
    case 'wrongStream':
      conn.write(conn.encode(fault.stream ?? req.stream + 1, reply));
      return;
    case 'duplicateStream':
      conn.write(conn.encode(req.stream, reply));
      conn.write(conn.encode(req.stream, reply));
      return;
    case 'hugeLength': {
      const header = frameHeader(conn.version ?? 4, 0, req.stream, Opcode.RESULT, (fault.length ?? 2 ** 31) >>> 0);
      // The lying header alone: in a segment on v5, as is (never compressed) on v4.
      conn.write(conn.segments ? conn.frameBytes(header) : header);
      return;
    }
    case 'rawBody':
      conn.sendFrame(req.stream, fault.opcode ?? Opcode.RESULT, fault.body, fault.flags ?? 0);
      return;
    default:
      conn.write(conn.encode(req.stream, reply));
  }
}
