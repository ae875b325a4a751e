/**
 * cqlwire/testing — a scriptable in-process CQL server (protocol v4 and v5) for unit tests of
 * drivers and applications: canned results, recorded requests, fault injection.
 * @packageDocumentation
 */
export {
  FakeConnection,
  FakeServer,
  PASSWORD_AUTHENTICATOR,
  errorInfo,
  errorReply,
  pagedReply,
  payloadText,
  rowsReply,
  voidReply,
} from './fake-server.js';
export type {
  FakeColumn,
  FakeHandler,
  FakeLocalInfo,
  FakePeer,
  FakeReply,
  FakeServerOptions,
  FaultAction,
  FaultRule,
  FaultRuleHandle,
  ReceivedRequest,
} from './fake-server.js';
