// The message codecs in one place, for the codec's own tests. It is not what the package
// exposes: protocol/index.ts names what it takes from the message modules themselves.
// Per-message read/write functions stay out of it; requests and responses go through the
// dispatchers.
export type { CustomPayload, ResponsePreamble } from './envelope.js';
export {
  decodeRequest,
  encodeRequestBody,
  writeRequestBody,
  writeRequestFrame,
  type DecodedRequest,
  type Request,
  type RequestFrameLike,
  type RequestFrameOptions,
} from './request.js';
export {
  decodeResponse,
  encodeResponseBody,
  encodeResponseFrame,
  writeResponseBody,
  writeResponseFrame,
  type Response,
  type ResponseEnvelope,
  type ResponseFrameLike,
} from './response.js';
export { StartupOption, type StartupRequest } from './request/startup.js';
export { OPTIONS_REQUEST, type OptionsRequest } from './request/options.js';
export {
  EncodedValues,
  isNamedValues,
  isValueList,
  type BoundValue,
  type BoundValues,
  type NamedValues,
  type QueryParameters,
  type QueryRequest,
  type ValueWriter,
} from './request/query.js';
export type { PrepareRequest } from './request/prepare.js';
export type { ExecuteRequest } from './request/execute.js';
export type { BatchRequest, BatchStatement, BatchValues } from './request/batch.js';
export type { RegisterRequest } from './request/register.js';
export type { AuthResponseRequest } from './request/auth-response.js';
export {
  errorKindOf,
  type AlreadyExistsInfo,
  type CasWriteUnknownInfo,
  type ErrorResponse,
  type FailureReason,
  type FunctionFailureInfo,
  type GenericErrorInfo,
  type ReadFailureInfo,
  type ReadTimeoutInfo,
  type ServerErrorInfo,
  type UnavailableInfo,
  type UnpreparedInfo,
  type WriteFailureInfo,
  type WriteTimeoutInfo,
} from './response/error.js';
export { READY_RESPONSE, type ReadyResponse } from './response/ready.js';
export type { AuthenticateResponse } from './response/authenticate.js';
export type { SupportedResponse } from './response/supported.js';
export {
  readPreparedMetadata,
  peekRowsHeader,
  readRowsMetadata,
  writePreparedMetadata,
  writeRowsMetadata,
  type ColumnSpec,
  type PreparedMetadata,
  type PreparedResult,
  type Result,
  type ResultResponse,
  type RowsMetadata,
  type RowsResult,
  type SchemaChangeResult,
  type SetKeyspaceResult,
  type TableSpec,
  type VoidResult,
} from './response/result.js';
export {
  RowDecoder,
  RowReader,
  compileRowDecoder,
  decodeRows,
  decodeRowsAsArrays,
  decodeRowsRaw,
  rowsByteLength,
  rowsResult,
  rowsResultFromValues,
  type RawCell,
  type Row,
} from './response/rows.js';
export type {
  EventResponse,
  SchemaChange,
  SchemaChangeEvent,
  SchemaChangeTarget,
  SchemaChangeType,
  ServerEvent,
  StatusChangeEvent,
  StatusChangeType,
  TopologyChangeEvent,
  TopologyChangeType,
} from './response/event.js';
export type { AuthChallengeResponse } from './response/auth-challenge.js';
export type { AuthSuccessResponse } from './response/auth-success.js';
