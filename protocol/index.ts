/**
 * cqlwire/protocol — a pure, synchronous codec for the CQL native protocol v4 and v5.
 * No sockets, timers or threads: usable by drivers, proxies, fake servers and tools.
 *
 * Every export is named here on purpose: this file is the published API and the only way into
 * the codec, for the driver too (its deferred-frame, row-reader and cell-table helpers included).
 * @packageDocumentation
 */

// --- errors
export { CqlwireError, ProtocolError, ProtocolErrorCode } from './errors.js';

// --- spec constants
export {
  BatchType,
  Consistency,
  ErrorCode,
  EventType,
  FrameFlag,
  Opcode,
  ProtocolVersion,
  QueryFlag,
  ResultKind,
  RowsFlag,
  TypeCode,
} from './constants.js';

// --- primitive readers and writers ([int], [string], [bytes], ...)
export { Reader, UNSET, Writer } from './buffer.js';
export type { InetSocketAddress, Unset } from './buffer.js';

// --- the type system: descriptions, values, [option], codecs
export { sameDataType } from './types/datatype.js';
export type { DataType, DataTypeKind, SimpleKind, UdtField } from './types/datatype.js';
export { DataTypes } from './types/datatypes.js';
export { BigDecimal, Duration, LocalDate, LocalTime } from './types/values.js';
export {
  MAX_TYPE_DEPTH,
  formatCqlType,
  parseCqlType,
  parseMarshalType,
  quoteIdentifier,
  readTypeOption,
  toMarshalType,
  writeTypeOption,
} from './types/option.js';
export type { UdtResolver } from './types/option.js';
export { compileDecoder, compileEncoder, decodeValue, encodeValue } from './types/codec.js';
export type { DecodeOptions, ValueDecoder, ValueEncoder } from './types/codec.js';
export { guessDataType } from './types/guess.js';

// --- compression
export { compressV4Body, createLz4NapiCompressor, decompressV4Body, lz4Compressor } from './compression.js';
export type { Compressor, Lz4NapiModule } from './compression.js';

// --- frames (v4, and v5 envelopes)
export {
  DEFAULT_MAX_FRAME_SIZE,
  FRAME_HEADER_LENGTH,
  RESPONSE_VERSION_BIT,
  decodeFrame,
  encodeCompressedV4Frame,
  encodeFrame,
  writeCompressedV4Frame,
  writeFrameHeader,
} from './frame.js';
export type { DeferredSegment, Frame, FrameHeader } from './frame.js';

// --- v5 segments
export {
  COMPRESSED_SEGMENT_HEADER_LENGTH,
  MAX_SEGMENT_PAYLOAD_LENGTH,
  SEGMENT_TRAILER_LENGTH,
  UNCOMPRESSED_SEGMENT_HEADER_LENGTH,
  encodeSegment,
  encodeSegments,
  readSegmentHeader,
  sealUncompressedSegment,
  writeCompressedSegmentHeader,
  writeUncompressedSegmentHeader,
} from './segment.js';
export type { EncodeSegmentsOptions, SegmentHeader } from './segment.js';
// The payload checksum, for tools that walk segments with readSegmentHeader themselves.
export { segmentCrc32 } from './crc.js';

// --- incremental decoders (bytes in, whole frames out)
export { FrameDecoder, SegmentDecoder, completeDeferredFrame, verifyUncompressedDeferred } from './decoder.js';
export type { FrameDecoderOptions, SegmentDecoderOptions } from './decoder.js';

// --- messages: envelopes and the request / response dispatchers
export type { CustomPayload, ResponsePreamble } from './messages/envelope.js';
export { decodeRequest, encodeRequestBody, writeRequestBody, writeRequestFrame } from './messages/request.js';
export type { DecodedRequest, Request, RequestFrameLike, RequestFrameOptions } from './messages/request.js';
export { decodeResponse, encodeResponseBody, encodeResponseFrame, writeResponseBody, writeResponseFrame } from './messages/response.js';
export type { Response, ResponseEnvelope, ResponseFrameLike } from './messages/response.js';

// --- request messages
export { StartupOption } from './messages/request/startup.js';
export type { StartupRequest } from './messages/request/startup.js';
export { OPTIONS_REQUEST } from './messages/request/options.js';
export type { OptionsRequest } from './messages/request/options.js';
export { EncodedValues } from './messages/request/query.js';
export type { BoundValue, BoundValues, NamedValues, QueryParameters, QueryRequest, ValueWriter } from './messages/request/query.js';
export type { PrepareRequest } from './messages/request/prepare.js';
export type { ExecuteRequest } from './messages/request/execute.js';
export type { BatchRequest, BatchStatement, BatchValues } from './messages/request/batch.js';
export type { RegisterRequest } from './messages/request/register.js';
export type { AuthResponseRequest } from './messages/request/auth-response.js';

// --- response messages
export { errorKindOf } from './messages/response/error.js';
export type {
  AlreadyExistsInfo,
  CasWriteUnknownInfo,
  ErrorResponse,
  FailureReason,
  FunctionFailureInfo,
  GenericErrorInfo,
  ReadFailureInfo,
  ReadTimeoutInfo,
  ServerErrorInfo,
  UnavailableInfo,
  UnpreparedInfo,
  WriteFailureInfo,
  WriteTimeoutInfo,
} from './messages/response/error.js';
export { peekRowsHeader } from './messages/response/result.js';
export { READY_RESPONSE } from './messages/response/ready.js';
export type { ReadyResponse } from './messages/response/ready.js';
export type { AuthenticateResponse } from './messages/response/authenticate.js';
export type { SupportedResponse } from './messages/response/supported.js';
export type { AuthChallengeResponse } from './messages/response/auth-challenge.js';
export type { AuthSuccessResponse } from './messages/response/auth-success.js';
export type {
  ColumnSpec,
  PreparedMetadata,
  PreparedResult,
  Result,
  ResultResponse,
  RowsMetadata,
  RowsResult,
  SchemaChangeResult,
  SetKeyspaceResult,
  TableSpec,
  VoidResult,
} from './messages/response/result.js';
export { RowReader, cellTable, decodeRows, decodeRowsAsArrays, decodeRowsRaw, rowsResult, rowsResultFromValues } from './messages/response/rows.js';
export type { RawCell, Row } from './messages/response/rows.js';
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
} from './messages/response/event.js';
