// The system tables a driver reads to discover a cluster: system.local, system.peers(_v2),
// and system_schema (empty: the fake server has no user schema).
import { randomUUID } from 'node:crypto';
import { DataTypes, ErrorCode, Opcode } from '../../protocol/index.js';
import { errorInfo, errorReply, rowsReply, type FakeColumn, type FakeReply } from './replies.js';

/** A node listed in `system.peers` / `system.peers_v2`. */
export interface FakePeer {
  /** Address clients connect to (`native_address` / `rpc_address`, and `peer`). */
  readonly address: string;
  /** Native port (`native_port` of peers_v2; peers v1 has no port column). */
  readonly port: number;
  /** `data_center`. Default `datacenter1`. */
  readonly dataCenter?: string;
  /** `rack`. Default `rack1`. */
  readonly rack?: string;
  /** `host_id`. Default a random UUID. */
  readonly hostId?: string;
  /** `tokens`. Default none. */
  readonly tokens?: readonly string[];
  /** `release_version`. Default `5.0.9`. */
  readonly releaseVersion?: string;
  /** `schema_version` (UUID text): a peer that never agrees with the others. Default the shared one. */
  readonly schemaVersion?: string;
}

/** The node identity the server reports in `system.local`. */
export interface FakeLocalInfo {
  /** `cluster_name`. */
  readonly clusterName: string;
  /** `data_center`. */
  readonly dataCenter: string;
  /** `rack`. */
  readonly rack: string;
  /** `release_version`. */
  readonly releaseVersion: string;
  /** `host_id` (UUID text). Default a random UUID. */
  readonly hostId: string;
  /** `tokens`. */
  readonly tokens: readonly string[];
  /** `partitioner`. */
  readonly partitioner: string;
  /** `schema_version` (UUID text). Default one shared by every node. */
  readonly schemaVersion: string;
}

// Unless told otherwise, every node reports the same schema version: the schema never changes.
const SCHEMA_VERSION = '00000000-0000-0000-0000-000000000001';

const LOCAL_COLUMNS: readonly FakeColumn[] = [
  { name: 'key', type: DataTypes.text },
  { name: 'bootstrapped', type: DataTypes.text },
  { name: 'broadcast_address', type: DataTypes.inet },
  { name: 'cluster_name', type: DataTypes.text },
  { name: 'cql_version', type: DataTypes.text },
  { name: 'data_center', type: DataTypes.text },
  { name: 'host_id', type: DataTypes.uuid },
  { name: 'listen_address', type: DataTypes.inet },
  { name: 'native_protocol_version', type: DataTypes.text },
  { name: 'partitioner', type: DataTypes.text },
  { name: 'rack', type: DataTypes.text },
  { name: 'release_version', type: DataTypes.text },
  { name: 'rpc_address', type: DataTypes.inet },
  { name: 'rpc_port', type: DataTypes.int },
  { name: 'schema_version', type: DataTypes.uuid },
  { name: 'tokens', type: DataTypes.set(DataTypes.text) },
];

function peerColumns(v2: boolean): FakeColumn[] {
  return [
    { name: 'peer', type: DataTypes.inet },
    ...(v2 ? [{ name: 'peer_port', type: DataTypes.int }] : []),
    { name: 'data_center', type: DataTypes.text },
    { name: 'host_id', type: DataTypes.uuid },
    { name: v2 ? 'native_address' : 'rpc_address', type: DataTypes.inet },
    ...(v2 ? [{ name: 'native_port', type: DataTypes.int }] : []),
    { name: 'rack', type: DataTypes.text },
    { name: 'release_version', type: DataTypes.text },
    { name: 'schema_version', type: DataTypes.uuid },
    { name: 'tokens', type: DataTypes.set(DataTypes.text) },
  ];
}

/** The system tables of one fake node. */
export class SystemTables {
  /** The `system.local` row's identity (defaults filled in). */
  readonly local: FakeLocalInfo;
  /** Nodes reported in `system.peers(_v2)`; a cluster fills them in once every port is bound. */
  peers: readonly FakePeer[];
  private readonly peersV2: boolean;
  // Peers given without a host id keep the one made up the first time they are listed.
  private readonly peerIds = new Map<string, string>();

  constructor(local: Partial<FakeLocalInfo> | undefined, peers: readonly FakePeer[] | undefined, peersV2: boolean | undefined) {
    this.local = {
      clusterName: 'fake cluster',
      dataCenter: 'datacenter1',
      rack: 'rack1',
      releaseVersion: '5.0.9',
      hostId: randomUUID(),
      tokens: ['0'],
      partitioner: 'org.apache.cassandra.dht.Murmur3Partitioner',
      schemaVersion: SCHEMA_VERSION,
      ...local,
    };
    this.peers = peers ?? [];
    this.peersV2 = peersV2 !== false;
  }

  /** The answer to a query of a system table by CQL `text`, for the node at `address:port`; undefined for other queries. */
  answer(text: string, address: string, port: number): FakeReply | undefined {
    if (/\bFROM\s+system\.local\b/i.test(text)) {
      const l = this.local;
      return rowsReply(
        LOCAL_COLUMNS,
        [['local', 'COMPLETED', address, l.clusterName, '3.4.7', l.dataCenter, l.hostId, address, '5', l.partitioner, l.rack, l.releaseVersion, address, port, l.schemaVersion, [...l.tokens]]],
        { keyspace: 'system', table: 'local' },
      );
    }
    const peers = /\bFROM\s+system\.(peers_v2|peers)\b/i.exec(text);
    if (peers) {
      const v2 = peers[1] === 'peers_v2';
      if (v2 && !this.peersV2) return errorReply(errorInfo(ErrorCode.INVALID, 'unconfigured table peers_v2'));
      return rowsReply(
        peerColumns(v2),
        this.peers.map((p) => [
          p.address,
          ...(v2 ? [p.port] : []),
          p.dataCenter ?? 'datacenter1',
          p.hostId ?? this.madeUpHostId(p),
          p.address,
          ...(v2 ? [p.port] : []),
          p.rack ?? 'rack1',
          p.releaseVersion ?? '5.0.9',
          p.schemaVersion ?? SCHEMA_VERSION,
          [...(p.tokens ?? [])],
        ]),
        { keyspace: 'system', table: peers[1] },
      );
    }
    if (/^\s*SELECT\b[\s\S]*\bFROM\s+system_schema\.\w+/i.test(text)) {
      // No user schema: every schema table is empty.
      return { response: { opcode: Opcode.RESULT, result: { kind: 'rows', metadata: { columnCount: 0, columns: [] }, rowCount: 0, rowsContent: Buffer.alloc(0) } } };
    }
    return undefined;
  }

  private madeUpHostId(p: FakePeer): string {
    const key = `${p.address}:${p.port}`;
    let id = this.peerIds.get(key);
    if (id === undefined) {
      id = randomUUID();
      this.peerIds.set(key, id);
    }
    return id;
  }
}
