// Standalone check of the cluster test infrastructure (not part of npm test): starts 3 masters with a replica each,
// runs ioredis Cluster commands, migrates a slot under write traffic, fails a master over, stops, and prints
// timings. Run: node scripts/check-cluster.mjs
import { Cluster } from 'ioredis';
import { startRedisCluster } from './redis-cluster.mjs';

const timings = [];
async function step(name, fn) {
  const t0 = performance.now();
  const out = await fn();
  timings.push([name, performance.now() - t0]);
  return out;
}
function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

const cluster = await step('start 3 masters + 3 replicas', () => startRedisCluster({ masters: 3, replicasPerMaster: 1 }));
let client;
try {
  client = new Cluster(cluster.nodes, {
    // a failover takes about cluster-node-timeout plus an election; commands wait through it instead of failing
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 50,
    maxRedirections: 64,
    redisOptions: { maxRetriesPerRequest: 20 },
  });
  client.on('error', () => {});
  await step('connect ioredis Cluster', () => new Promise((resolve, reject) => {
    client.once('ready', resolve);
    client.once('end', () => reject(new Error('cluster client ended before ready')));
  }));

  await step('commands across slots', async () => {
    for (let i = 0; i < 30; i++) await client.set(`k:${i}`, String(i));
    const got = await Promise.all(Array.from({ length: 30 }, (_, i) => client.get(`k:${i}`)));
    check(got.every((v, i) => v === String(i)), 'every key reads back');
    client.defineCommand('pushBoth', {
      numberOfKeys: 2,
      lua: "redis.call('RPUSH', KEYS[1], ARGV[1]); redis.call('RPUSH', KEYS[2], ARGV[1]); return redis.call('LLEN', KEYS[1])",
    });
    check((await client.pushBoth('{q}:a', '{q}:b', 'x')) === 1, 'script on two keys of one slot');
    const res = await client.pipeline().incr('{q}:n').incr('{q}:n').get('{q}:n').exec();
    check(res[2][1] === '2', 'same-slot pipeline');
    const masters = client.nodes('master');
    check(masters.length === 3, `3 masters seen by the client, got ${masters.length}`);
  });

  // live migration of the slot of {mig} while a writer INCRs and SETs in it
  const slot = await cluster.keySlot('{mig}');
  const from = await cluster.nodeFor('{mig}');
  const topo = await cluster.topology();
  const to = topo.find((n) => n.role === 'master' && n.port !== from.port);
  for (let i = 0; i < 300; i++) await client.set(`{mig}:pre:${i}`, String(i));
  let writing = true;
  let incrs = 0;
  let sets = 0;
  let scripts = 0;
  const writer = (async () => {
    while (writing) {
      await client.incr('{mig}:counter');
      incrs++;
      await client.set(`{mig}:w:${sets}`, String(sets));
      sets++;
      // a script reading a key that may already have moved: served by the source, ASKed or TRYAGAINed
      await client.pushBoth('{mig}:la', '{mig}:lb', String(scripts));
      scripts++;
    }
  })();
  const migration = await step(`migrate slot ${slot} (${from.port} -> ${to.port}) while writing`, () =>
    cluster.migrateSlot(slot, to.port, { batchSize: 20, pauseMs: 10 }),
  );
  await sleep(100);
  writing = false;
  await writer;
  await step('verify after migration', async () => {
    check((await cluster.nodeFor('{mig}')).port === to.port, 'slot now served by the target');
    check(Number(await client.get('{mig}:counter')) === incrs, `counter ${await client.get('{mig}:counter')} = ${incrs} acknowledged INCRs`);
    check((await client.llen('{mig}:la')) === scripts && (await client.llen('{mig}:lb')) === scripts, 'every script call landed once');
    for (let i = 0; i < 300; i++) check((await client.get(`{mig}:pre:${i}`)) === String(i), `pre-migration key ${i}`);
    for (let i = 0; i < sets; i++) check((await client.get(`{mig}:w:${i}`)) === String(i), `key written mid-migration ${i}`);
  });
  console.log(`  migration moved ${migration.moved} keys; ${incrs} INCRs, ${sets} SETs, ${scripts} scripts during it`);

  // failover: kill the master of {fo}; writes acknowledged by WAIT must survive
  for (let i = 0; i < 100; i++) await client.set(`{fo}:${i}`, String(i));
  // WAIT has no key, so through the Cluster it would go to a random node; it is sent to the master of {fo} itself
  const master = await cluster.nodeFor('{fo}');
  const replicasAcked = await waitOn(client, master.port);
  check(replicasAcked >= 1, `WAIT on the master of {fo} acknowledged by ${replicasAcked} replicas`);
  const killed = await cluster.killMaster(master.port);
  const tKill = performance.now();
  const firstWrite = client.set('{fo}:after', 'yes').then(() => performance.now() - tKill);
  await step(`failover of ${killed.port} (replica ${killed.replicas.join(',')})`, () => cluster.waitForFailover());
  const writeMs = await firstWrite;
  timings.push(['  first write to the failed slot answered after kill', writeMs]);
  await step('verify after failover', async () => {
    check((await client.get('{fo}:after')) === 'yes', 'write issued during failover landed');
    for (let i = 0; i < 100; i++) check((await client.get(`{fo}:${i}`)) === String(i), `WAITed key {fo}:${i} survived`);
    const now = await cluster.nodeFor('{fo}');
    check(killed.replicas.includes(now.port), `slot served by the promoted replica ${now.port}`);
  });

  await step('restart the killed master (rejoins as replica)', () => cluster.restartNode(killed.port));
  const back = (await cluster.topology()).find((n) => n.port === killed.port);
  check(back.role === 'replica', `restarted node is a replica, got ${back.role}`);
} finally {
  if (client) client.disconnect();
  await step('stop', () => cluster.stop());
}
for (const [name, ms] of timings) console.log(`${name.padEnd(60)} ${ms.toFixed(0).padStart(6)} ms`);
console.log('check-cluster: OK');

async function waitOn(clusterClient, port) {
  const node = clusterClient.nodes('master').find((n) => n.options.port === port);
  return node.call('WAIT', '1', '2000');
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
