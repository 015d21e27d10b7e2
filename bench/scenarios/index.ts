import type { Scenario } from '../types.js';
import { cluster } from './cluster.js';
import { delayed, delayedBurst } from './delayed.js';
import { enqueueBulk } from './enqueue-bulk.js';
import { enqueueSingle } from './enqueue-single.js';
import { fanIn } from './fan-in.js';
import { fanOut } from './fan-out.js';
import { floor } from './floor.js';
import { latency } from './latency.js';
import { memory } from './memory.js';
import { observed } from './observed.js';
import { processing } from './processing.js';
import { retries } from './retries.js';
import { lanes, rateLimit } from './lanes.js';
import { groups } from './groups.js';

/**
 * Issue 4's scenarios, then issue 12's (time), issue 15's (observed), issue 13's (lanes, rate limit, groups), in the order the
 * report lists them, then issue 9's Redis Cluster against one Redis.
 */
export const SCENARIOS: Scenario[] = [enqueueSingle, enqueueBulk, processing, latency, memory, fanIn, fanOut, delayed, delayedBurst, retries, observed, lanes, rateLimit, groups, floor, cluster];
