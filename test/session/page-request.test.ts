// A prepared page request is the message of its first attempt; an attempt that differs (another
// protocol version, a retry at another consistency, a re-prepared statement) gets its own
// message, and the first one stays as it was sent.
import { describe, expect, it } from 'vitest';
import { Consistency, DataTypes, Opcode, decodeRequest, encodeRequestBody, type ExecuteRequest as ExecuteMessage, type Request } from '../../protocol/index.js';
import { bindPrepared } from '../../src/session/binding.js';
import { ExecuteRequest } from '../../src/session/page-request.js';
import type { ResolvedOptions } from '../../src/session/options.js';
import { PreparedStatement } from '../../src/session/prepared.js';

const ps = new PreparedStatement({
  id: Buffer.from('0a0b', 'hex'),
  query: 'SELECT v FROM t WHERE k = ?',
  keyspace: 'ks',
  variables: [{ keyspace: 'ks', table: 't', name: 'k', type: DataTypes.int }],
  pkIndexes: [0],
  resultMetadataId: Buffer.from('01', 'hex'),
  resultMetadata: { columnCount: 1, columns: [{ keyspace: 'ks', table: 't', name: 'v', type: DataTypes.text }] },
});
const settings = { consistency: Consistency.LOCAL_ONE, serialConsistency: Consistency.LOCAL_SERIAL, fetchSize: 100 } as ResolvedOptions;

function sent(message: Request, version: 4 | 5): ExecuteMessage {
  const decoded = decodeRequest({ version, flags: 0, opcode: Opcode.EXECUTE, body: encodeRequestBody(message, version) });
  return decoded.message as ExecuteMessage;
}

describe('ExecuteRequest', () => {
  it('sends its own fields on the first attempt, and a message of its own for an attempt that differs', () => {
    const request = new ExecuteRequest(ps, bindPrepared(ps, [7]), settings, {}, undefined, Buffer.from('ff', 'hex'), 1234n, undefined);
    const first = request.build(5, Consistency.LOCAL_ONE);
    const firstSent = sent(first, 5);
    expect(firstSent.queryId).toEqual(ps.id);
    expect(firstSent.resultMetadataId).toEqual(ps.resultMetadataId);
    expect(firstSent.params).toMatchObject({ consistency: Consistency.LOCAL_ONE, skipMetadata: true, pageSize: 100, serialConsistency: Consistency.LOCAL_SERIAL, defaultTimestamp: 1234n });
    expect(firstSent.params.pagingState).toEqual(Buffer.from('ff', 'hex'));
    expect(firstSent.params.values).toEqual([Buffer.from([0, 0, 0, 7])]);
    // A speculative attempt like the first: the same message.
    expect(request.build(5, Consistency.LOCAL_ONE)).toBe(first);

    // A retry at another consistency: its own message; the first is unchanged.
    const retry = request.build(5, Consistency.QUORUM);
    expect(retry).not.toBe(first);
    expect(sent(retry, 5).params).toMatchObject({ consistency: Consistency.QUORUM, skipMetadata: true, pageSize: 100, defaultTimestamp: 1234n });
    expect(sent(first, 5)).toEqual(firstSent);

    // A v4 connection: no result metadata id, the metadata asked for.
    const v4 = sent(request.build(4, Consistency.LOCAL_ONE), 4);
    expect(v4.resultMetadataId).toBeUndefined();
    expect(v4.params.skipMetadata).toBeFalsy();
    expect(v4.params.consistency).toBe(Consistency.LOCAL_ONE);
    expect(sent(first, 5)).toEqual(firstSent);
  });

  it('builds a new message once the statement has a new result metadata id', () => {
    const statement = new PreparedStatement({ ...ps, variables: ps.variables, pkIndexes: [0], resultMetadataId: Buffer.from('01', 'hex'), resultMetadata: { columnCount: 0, columns: [] } });
    const request = new ExecuteRequest(statement, bindPrepared(statement, [1]), settings, {}, undefined, undefined, undefined, undefined);
    const first = request.build(5, Consistency.LOCAL_ONE);
    statement.resultMetadataId = Buffer.from('02', 'hex');
    const again = request.build(5, Consistency.LOCAL_ONE);
    expect(again).not.toBe(first);
    expect(sent(again, 5).resultMetadataId).toEqual(Buffer.from('02', 'hex'));
    expect(sent(first, 5).resultMetadataId).toEqual(Buffer.from('01', 'hex'));
  });
});
