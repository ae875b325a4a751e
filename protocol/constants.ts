// Values from doc/native_protocol_v4.spec and doc/native_protocol_v5.spec (apache/cassandra).

/** Native protocol versions this codec speaks. */
export const ProtocolVersion = { V4: 4, V5: 5 } as const;
/** 4 or 5. */
export type ProtocolVersion = (typeof ProtocolVersion)[keyof typeof ProtocolVersion];

/** Frame opcodes (spec §2.4). */
export const Opcode = {
  ERROR: 0x00,
  STARTUP: 0x01,
  READY: 0x02,
  AUTHENTICATE: 0x03,
  OPTIONS: 0x05,
  SUPPORTED: 0x06,
  QUERY: 0x07,
  RESULT: 0x08,
  PREPARE: 0x09,
  EXECUTE: 0x0a,
  REGISTER: 0x0b,
  EVENT: 0x0c,
  BATCH: 0x0d,
  AUTH_CHALLENGE: 0x0e,
  AUTH_RESPONSE: 0x0f,
  AUTH_SUCCESS: 0x10,
} as const;
/** A frame opcode. */
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** Frame header flags (spec §2.2). */
export const FrameFlag = {
  COMPRESSION: 0x01,
  TRACING: 0x02,
  CUSTOM_PAYLOAD: 0x04,
  WARNING: 0x08,
  USE_BETA: 0x10,
} as const;

/** Consistency levels (spec §3 [consistency]). */
export const Consistency = {
  ANY: 0x0000,
  ONE: 0x0001,
  TWO: 0x0002,
  THREE: 0x0003,
  QUORUM: 0x0004,
  ALL: 0x0005,
  LOCAL_QUORUM: 0x0006,
  EACH_QUORUM: 0x0007,
  SERIAL: 0x0008,
  LOCAL_SERIAL: 0x0009,
  LOCAL_ONE: 0x000a,
} as const;
/** A consistency level. */
export type Consistency = (typeof Consistency)[keyof typeof Consistency];

/** QUERY / EXECUTE flags (spec §4.1.4; v5 flags are an [int]). */
export const QueryFlag = {
  VALUES: 0x0001,
  SKIP_METADATA: 0x0002,
  PAGE_SIZE: 0x0004,
  WITH_PAGING_STATE: 0x0008,
  WITH_SERIAL_CONSISTENCY: 0x0010,
  WITH_DEFAULT_TIMESTAMP: 0x0020,
  WITH_NAMES_FOR_VALUES: 0x0040,
  WITH_KEYSPACE: 0x0080, // v5
  WITH_NOW_IN_SECONDS: 0x0100, // v5
} as const;

/** BATCH types (spec §4.1.7). */
export const BatchType = { LOGGED: 0, UNLOGGED: 1, COUNTER: 2 } as const;
/** A batch type. */
export type BatchType = (typeof BatchType)[keyof typeof BatchType];

/** RESULT kinds (spec §4.2.5). */
export const ResultKind = {
  VOID: 0x0001,
  ROWS: 0x0002,
  SET_KEYSPACE: 0x0003,
  PREPARED: 0x0004,
  SCHEMA_CHANGE: 0x0005,
} as const;

/** Rows metadata flags (spec §4.2.5.2). */
export const RowsFlag = {
  GLOBAL_TABLES_SPEC: 0x0001,
  HAS_MORE_PAGES: 0x0002,
  NO_METADATA: 0x0004,
  METADATA_CHANGED: 0x0008, // v5
} as const;

/** Error codes carried by ERROR messages (spec §9). */
export const ErrorCode = {
  SERVER_ERROR: 0x0000,
  PROTOCOL_ERROR: 0x000a,
  AUTHENTICATION_ERROR: 0x0100,
  UNAVAILABLE: 0x1000,
  OVERLOADED: 0x1001,
  IS_BOOTSTRAPPING: 0x1002,
  TRUNCATE_ERROR: 0x1003,
  WRITE_TIMEOUT: 0x1100,
  READ_TIMEOUT: 0x1200,
  READ_FAILURE: 0x1300,
  FUNCTION_FAILURE: 0x1400,
  WRITE_FAILURE: 0x1500,
  CDC_WRITE_FAILURE: 0x1600, // v5
  CAS_WRITE_UNKNOWN: 0x1700, // v5
  SYNTAX_ERROR: 0x2000,
  UNAUTHORIZED: 0x2100,
  INVALID: 0x2200,
  CONFIG_ERROR: 0x2300,
  ALREADY_EXISTS: 0x2400,
  UNPREPARED: 0x2500,
} as const;
/** A server error code. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** [option] ids of CQL types (spec §4.2.5.2). */
export const TypeCode = {
  CUSTOM: 0x0000,
  ASCII: 0x0001,
  BIGINT: 0x0002,
  BLOB: 0x0003,
  BOOLEAN: 0x0004,
  COUNTER: 0x0005,
  DECIMAL: 0x0006,
  DOUBLE: 0x0007,
  FLOAT: 0x0008,
  INT: 0x0009,
  TIMESTAMP: 0x000b,
  UUID: 0x000c,
  VARCHAR: 0x000d,
  VARINT: 0x000e,
  TIMEUUID: 0x000f,
  INET: 0x0010,
  DATE: 0x0011,
  TIME: 0x0012,
  SMALLINT: 0x0013,
  TINYINT: 0x0014,
  DURATION: 0x0015,
  LIST: 0x0020,
  MAP: 0x0021,
  SET: 0x0022,
  UDT: 0x0030,
  TUPLE: 0x0031,
} as const;

/** EVENT types (spec §4.2.6). */
export const EventType = {
  TOPOLOGY_CHANGE: 'TOPOLOGY_CHANGE',
  STATUS_CHANGE: 'STATUS_CHANGE',
  SCHEMA_CHANGE: 'SCHEMA_CHANGE',
} as const;
/** An event type name. */
export type EventType = (typeof EventType)[keyof typeof EventType];
