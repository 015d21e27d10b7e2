// Types for redis-cluster.mjs, so TypeScript test files can drive the cluster under `strict`.

export interface ClusterNodeAddress {
  host: string;
  port: number;
}

export interface StartRedisClusterOptions {
  /** At least 3 (redis-cli refuses fewer). Default 3. */
  masters?: number;
  /** Default 0. */
  replicasPerMaster?: number;
  /** Default false: a restarted node comes back empty. */
  appendonly?: boolean;
  /** cluster-node-timeout in ms; a failover takes about this plus an election. Default 1000. */
  nodeTimeout?: number;
  /** Whole start-up budget in ms. Default 30000. */
  timeoutMs?: number;
  /** More redis-server arguments for every node (also when restarted), e.g. ['--maxmemory', '1gb']. */
  args?: string[];
}

export interface ClusterTopologyNode extends ClusterNodeAddress {
  id: string;
  role: 'master' | 'replica';
  /** The master's port, for a replica. */
  masterPort: number | null;
  /** Inclusive slot ranges served, for a master. */
  slots: Array<[number, number]>;
}

export interface SlotMigration {
  readonly slot: number;
  readonly from: ClusterNodeAddress;
  readonly to: ClusterNodeAddress;
  /** Keys moved so far. */
  readonly moved: number;
  /** Moves up to `count` keys of the slot (default 10), or exactly the keys named; resolves to how many moved. */
  moveKeys(countOrKeys?: number | string[]): Promise<number>;
  /** Keys of the slot still on the source. */
  keysLeft(): Promise<number>;
  /** Moves the remaining keys, assigns the slot to the target everywhere and waits until all nodes agree. */
  finish(options?: { timeoutMs?: number }): Promise<number>;
}

export interface MigrateSlotOptions {
  /** Keys per MIGRATE. Default 10. */
  batchSize?: number;
  /** Wait between batches, in ms. Default 0. */
  pauseMs?: number;
  /** Awaited after each batch. */
  onBatch?: (progress: { moved: number; left: number }) => unknown;
  timeoutMs?: number;
}

export interface ClusterDescription {
  nodes: Array<ClusterNodeAddress & { busPort: number; dir: string }>;
  masters: number;
  replicasPerMaster: number;
  appendonly: boolean;
  nodeTimeout: number;
  dead: number[];
}

export interface RedisClusterHandle {
  readonly nodes: ClusterNodeAddress[];
  readonly urls: string[];
  describe(): ClusterDescription;
  topology(): Promise<ClusterTopologyNode[]>;
  keySlot(key: string): Promise<number>;
  nodeFor(key: string): Promise<ClusterNodeAddress>;
  beginSlotMigration(slot: number, toPort: number): Promise<SlotMigration>;
  migrateSlot(
    slot: number,
    toPort: number,
    options?: MigrateSlotOptions,
  ): Promise<{ slot: number; from: ClusterNodeAddress; to: ClusterNodeAddress; moved: number }>;
  killMaster(port: number): Promise<{ port: number; replicas: number[] }>;
  waitForFailover(options?: { timeoutMs?: number }): Promise<{ ms: number }>;
  waitForStable(options?: { timeoutMs?: number }): Promise<void>;
  restartNode(port: number, options?: { timeoutMs?: number }): Promise<void>;
  close(): Promise<void>;
  stop(): Promise<void>;
}

export function startRedisCluster(options?: StartRedisClusterOptions): Promise<RedisClusterHandle>;
export function attachRedisCluster(description: ClusterDescription | string): RedisClusterHandle;
