// cluster-key-slot (ioredis's own dependency) ships no types: the one function Jobline uses.
declare module 'cluster-key-slot' {
  /** The Redis Cluster slot (0..16383) of a key or shard channel, honouring its {hash tag}. */
  function calculateSlot(key: string): number;
  export default calculateSlot;
}
