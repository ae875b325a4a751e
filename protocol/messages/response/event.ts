// Spec §4.2.6 EVENT: <type [string]> then fields by type. The SCHEMA_CHANGE layout
// <change_type><target><options> is shared with the Schema_change result (§4.2.5.5).
import type { InetSocketAddress, Reader, Writer } from '../../buffer.js';
import { EventType, Opcode } from '../../constants.js';
import { malformed } from '../../errors.js';

/** TOPOLOGY_CHANGE change types (MOVED_NODE is only sent by old servers). */
export type TopologyChangeType = 'NEW_NODE' | 'REMOVED_NODE' | 'MOVED_NODE';
/** STATUS_CHANGE change types. */
export type StatusChangeType = 'UP' | 'DOWN';
/** SCHEMA_CHANGE change types. */
export type SchemaChangeType = 'CREATED' | 'UPDATED' | 'DROPPED';
/** What a SCHEMA_CHANGE is about. */
export type SchemaChangeTarget = 'KEYSPACE' | 'TABLE' | 'TYPE' | 'FUNCTION' | 'AGGREGATE';

/** A schema change (event or result), discriminated by `target`. */
export type SchemaChange =
  | {
      readonly change: SchemaChangeType;
      readonly target: 'KEYSPACE';
      /** The keyspace. */
      readonly keyspace: string;
    }
  | {
      readonly change: SchemaChangeType;
      readonly target: 'TABLE' | 'TYPE';
      /** Keyspace of the table or type. */
      readonly keyspace: string;
      /** Table or type name. */
      readonly name: string;
    }
  | {
      readonly change: SchemaChangeType;
      readonly target: 'FUNCTION' | 'AGGREGATE';
      /** Keyspace of the function or aggregate. */
      readonly keyspace: string;
      /** Function or aggregate name. */
      readonly name: string;
      /** CQL types of the arguments. */
      readonly argTypes: readonly string[];
    };

/** A node joined, left or moved. */
export interface TopologyChangeEvent {
  readonly type: typeof EventType.TOPOLOGY_CHANGE;
  /** What happened. */
  readonly change: TopologyChangeType;
  /** The node's native-protocol address. */
  readonly address: InetSocketAddress;
}

/** A node went up or down. */
export interface StatusChangeEvent {
  readonly type: typeof EventType.STATUS_CHANGE;
  /** What happened. */
  readonly change: StatusChangeType;
  /** The node's native-protocol address. */
  readonly address: InetSocketAddress;
}

/** The schema changed. */
export type SchemaChangeEvent = { readonly type: typeof EventType.SCHEMA_CHANGE } & SchemaChange;

/** Any server-pushed event, discriminated by `type`. */
export type ServerEvent = TopologyChangeEvent | StatusChangeEvent | SchemaChangeEvent;

/** EVENT response (stream id -1). */
export interface EventResponse {
  readonly opcode: typeof Opcode.EVENT;
  /** The event. */
  readonly event: ServerEvent;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], what: string): T {
  for (const a of allowed) if (a === value) return a;
  throw malformed(`unknown ${what} ${JSON.stringify(value)}`);
}

const TOPOLOGY_CHANGES: readonly TopologyChangeType[] = ['NEW_NODE', 'REMOVED_NODE', 'MOVED_NODE'];
const STATUS_CHANGES: readonly StatusChangeType[] = ['UP', 'DOWN'];
const SCHEMA_CHANGES: readonly SchemaChangeType[] = ['CREATED', 'UPDATED', 'DROPPED'];
const SCHEMA_TARGETS: readonly SchemaChangeTarget[] = ['KEYSPACE', 'TABLE', 'TYPE', 'FUNCTION', 'AGGREGATE'];

/** Write <change_type><target><options>. */
export function writeSchemaChange(w: Writer, c: SchemaChange): void {
  w.string(c.change).string(c.target).string(c.keyspace);
  switch (c.target) {
    case 'KEYSPACE':
      return;
    case 'TABLE':
    case 'TYPE':
      w.string(c.name);
      return;
    case 'FUNCTION':
    case 'AGGREGATE':
      w.string(c.name).stringList(c.argTypes);
      return;
  }
}

/** Read <change_type><target><options>. */
export function readSchemaChange(r: Reader): SchemaChange {
  const change = oneOf(r.string(), SCHEMA_CHANGES, 'schema change type');
  const target = oneOf(r.string(), SCHEMA_TARGETS, 'schema change target');
  const keyspace = r.string();
  switch (target) {
    case 'KEYSPACE':
      return { change, target, keyspace };
    case 'TABLE':
    case 'TYPE':
      return { change, target, keyspace, name: r.string() };
    case 'FUNCTION':
    case 'AGGREGATE': {
      const name = r.string();
      return { change, target, keyspace, name, argTypes: r.stringList() };
    }
  }
}

/** Write the body of an EVENT. */
export function writeEvent(w: Writer, res: EventResponse): void {
  const e = res.event;
  w.string(e.type);
  switch (e.type) {
    case EventType.TOPOLOGY_CHANGE:
    case EventType.STATUS_CHANGE:
      w.string(e.change).inet(e.address);
      return;
    case EventType.SCHEMA_CHANGE:
      writeSchemaChange(w, e);
      return;
  }
}

/** Read the body of an EVENT. */
export function readEvent(r: Reader): EventResponse {
  const type = r.string();
  let event: ServerEvent;
  if (type === EventType.TOPOLOGY_CHANGE) {
    const change = oneOf(r.string(), TOPOLOGY_CHANGES, 'topology change');
    event = { type, change, address: r.inet() };
  } else if (type === EventType.STATUS_CHANGE) {
    const change = oneOf(r.string(), STATUS_CHANGES, 'status change');
    event = { type, change, address: r.inet() };
  } else if (type === EventType.SCHEMA_CHANGE) {
    event = { type, ...readSchemaChange(r) };
  } else {
    throw malformed(`unknown event type ${JSON.stringify(type)}`);
  }
  return { opcode: Opcode.EVENT, event };
}
