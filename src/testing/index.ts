/**
 * cqlwire/testing — a scriptable in-process CQL server (protocol v4 and v5) for unit tests of
 * drivers and applications: canned results, recorded requests, fault injection.
 * @packageDocumentation
 */
export { FakeServer } from './server.js';
export { FakeConnection } from './connection.js';
export { PASSWORD_AUTHENTICATOR } from './handshake.js';
export { errorInfo, errorReply, pagedReply, rowsReply, voidReply } from './replies.js';
export { payloadText } from './recording.js';
export type { FakeServerOptions } from './server.js';
export type { FakeHandler } from './answers.js';
export type { FakeColumn, FakeReply } from './replies.js';
export type { FakeLocalInfo, FakePeer } from './system-tables.js';
export type { FaultAction, FaultRule, FaultRuleHandle } from './faults.js';
export type { ReceivedRequest } from './recording.js';
