"""Enqueue Jobline jobs from Python with one Redis command each, and read their status and result.

Any Redis client works the same way (README "Enqueue from anywhere"): RPUSH a JSON entry onto the queue's inbox,
`<prefix>:{<queue>}:inbox`; a worker of the queue turns it into a job at once, in order. Needs redis-py
(`pip install redis`, or Debian's python3-redis).
"""
import json
import time
import uuid


def inbox_key(queue, prefix="jobline"):
    return f"{prefix}:{{{queue}}}:inbox"


def job_key(queue, job_id, prefix="jobline"):
    return f"{prefix}:{{{queue}}}:job:{job_id}"


def duplicate_key(queue, job_id, prefix="jobline"):
    """Where an entry that stored nothing (a live job held its `unique` key) points to that live job, for a while."""
    return f"{prefix}:{{{queue}}}:dup:{job_id}"


def entry(name, data=None, options=None, job_id=None):
    """The inbox entry of one job, and its id (give your own to find the job later; a resubmit creates nothing)."""
    job_id = job_id or str(uuid.uuid4())
    e = {"name": name, "id": job_id}
    if data is not None:
        e["data"] = data
    if options:
        e["options"] = options
    return json.dumps(e), job_id


def enqueue(r, queue, name, data=None, options=None, job_id=None, prefix="jobline"):
    """Enqueues one job with one command (atomic); returns its id. With options={'unique': True} (or
    {'unique': {'key': ...}}) an entry whose job is live already stores nothing: live_id() then gives that job's id,
    and wait() waits for it."""
    text, job_id = entry(name, data, options, job_id)
    r.rpush(inbox_key(queue, prefix), text)
    return job_id


def enqueue_many(r, queue, jobs, prefix="jobline"):
    """Enqueues (name, data) pairs pipelined, one RPUSH each, in order; returns their ids. Works on a RedisCluster
    too: every entry goes to the one key of the queue's inbox, so to one node."""
    pipe = r.pipeline(transaction=False)
    ids = []
    for name, data in jobs:
        text, job_id = entry(name, data)
        pipe.rpush(inbox_key(queue, prefix), text)
        ids.append(job_id)
    pipe.execute()
    return ids


def status(r, queue, job_id, prefix="jobline"):
    """'queued', 'started', 'finished', 'failed', ... or None (not ingested yet, or gone after its ttl)."""
    s = r.hget(job_key(queue, job_id, prefix), "s")
    return s.decode() if isinstance(s, bytes) else s


def live_id(r, queue, job_id, prefix="jobline"):
    """The id to read the job of entry `job_id` by: its own once ingested; for an entry that stored nothing since a
    live job held its `unique` key, that job's id (for the key's ttl, at most an hour); None before it is ingested."""
    if r.exists(job_key(queue, job_id, prefix)):
        return job_id
    holder = r.get(duplicate_key(queue, job_id, prefix))
    return holder.decode() if isinstance(holder, bytes) else holder


def outcome(r, queue, job_id, prefix="jobline"):
    """(status, result) once finished, (status, error dict) once failed, (status, None) before."""
    s, result, error = r.hmget(job_key(queue, job_id, prefix), "s", "r", "e")
    s = s.decode() if isinstance(s, bytes) else s
    if s == "finished":
        return s, json.loads(result) if result else None
    if s in ("failed", "canceled", "expired", "stopped"):
        return s, json.loads(error) if error else None
    return s, None


def wait(r, queue, job_id, timeout=30.0, prefix="jobline"):
    """Waits for the job's end without polling, as result() does: subscribe to the queue's events channel (sharded on
    a Redis Cluster), raise its `waiting` flag (ending jobs are published while it is up), then look once; returns
    outcome(). For an entry that stored nothing since a live job held its `unique` key, that job's outcome (live_id).
    `r`: a redis.Redis, or a redis.cluster.RedisCluster."""
    base = f"{prefix}:{{{queue}}}:"
    sub = _Subscription(r, base + "events")
    try:
        deadline = time.monotonic() + timeout
        r.set(base + "waiting", "1", px=60000)
        s, value = outcome(r, queue, job_id, prefix)
        while s is None or s in ("queued", "started", "deferred", "scheduled"):
            # an entry held off by a live job's unique key: wait for that job
            if s is None:
                holder = r.get(duplicate_key(queue, job_id, prefix))
                if holder is not None:
                    job_id = holder.decode() if isinstance(holder, bytes) else holder
                    s, value = outcome(r, queue, job_id, prefix)
                    continue
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"job {job_id} did not end within {timeout}s")
            # not ingested yet: ingesting publishes nothing, so look again shortly (workers ingest at once)
            data = sub.next(min(left, 0.5 if s is None else 20.0))
            r.set(base + "waiting", "1", px=60000)
            # and after a quiet spell: a look costs one read
            if s is None or data is None or data.split(b"\n", 1)[0].decode() == job_id:
                s, value = outcome(r, queue, job_id, prefix)
        return s, value
    finally:
        sub.close()


class _Subscription:
    """The messages of one channel: SUBSCRIBE on one Redis; on a Redis Cluster, where Jobline publishes per shard
    (SPUBLISH), SSUBSCRIBE on a connection of its own to the master of the channel's slot."""

    def __init__(self, r, channel):
        self.pubsub = None
        self.conn = None
        if hasattr(r, "get_node_from_key"):
            import redis

            node = r.get_node_from_key(channel)
            kwargs = node.redis_connection.connection_pool.connection_kwargs
            self.conn = redis.Connection(**{k: v for k, v in kwargs.items() if k in ("host", "port", "username", "password", "db")})
            self.conn.send_command("SSUBSCRIBE", channel)
            self.conn.read_response()
        else:
            self.pubsub = r.pubsub()
            self.pubsub.subscribe(channel)
            # until Redis confirms it, a job that ends is published to no one (and the waiter looked before)
            while True:
                m = self.pubsub.get_message(timeout=5.0)
                if m is None or m["type"] == "subscribe":
                    break

    def next(self, timeout):
        """The next message's data (bytes), or None after `timeout` seconds without one."""
        if self.pubsub is not None:
            message = self.pubsub.get_message(ignore_subscribe_messages=True, timeout=timeout)
            return message["data"] if message else None
        if not self.conn.can_read(timeout=timeout):
            return None
        reply = self.conn.read_response()
        return reply[2] if reply and reply[0] in (b"smessage", "smessage") else None

    def close(self):
        if self.pubsub is not None:
            self.pubsub.close()
        if self.conn is not None:
            self.conn.disconnect()
