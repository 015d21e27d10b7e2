import { durationExpected, MAX_TIMER_MS, type DurationRules } from '../model/duration.js';
import { KNOWN_OPTIONS, knownOptionsExpected } from '../model/enqueue-options.js';
import { DURATION_RULES, MAX_RUN_AT_MS, OPTION_EXPECTED, OPTIONS_EXPECTED, RUN_AT_EXPECTED } from '../model/job-spec.js';
import { groupInLaneExpected, LANE_ERROR } from '../lanes/lanes.js';
import { LANE_CHARS, LANE_MAX_LENGTH } from '../model/queue-options.js';
import { NAME_EXPECTED } from '../model/names.js';
import { MAX_UNIQUE_KEY_LENGTH, UNIQUE_EXPECTED, UNIQUE_KEY_EXPECTED, UNIQUE_TTL_RULES } from '../limits/unique.js';
import { GROUP_EXPECTED, GROUP_RATE_PER_RULES, MAX_GROUP_CONCURRENCY, MAX_GROUP_ID_LENGTH, MAX_GROUP_RATE } from '../limits/group.js';

/**
 * The inbox: how any Redis client enqueues with one command (README "Enqueue from anywhere"):
 * `RPUSH <prefix>:{<queue>}:inbox '{"name": "...", "data": ..., "options": {...}, "id": "..."}'`.
 * ingest.lua turns entries into jobs in order, checking them by the rules (and with the messages) of enqueue.
 */

/** The members an entry may have. */
export const INBOX_MEMBERS = ['name', 'data', 'options', 'id'] as const;

/**
 * The enqueue options an inbox entry may carry (those that are plain JSON and need nothing outside the queue's slot):
 * `queue` may name one of its lanes (`<queue>.<lane>`), as `priority` does; `runAt` is a number of epoch ms.
 */
export const INBOX_OPTIONS = ['queue', 'jobId', 'atFront', 'ttl', 'resultTtl', 'failureTtl', 'timeout', 'attempts', 'description', 'meta', 'priority', 'unique', 'delay', 'runAt', 'group'] as const;

/** The name of the error stored on an entry that is not a JSON object of those members. */
export const INBOX_ENTRY_ERROR = 'InvalidInboxEntryError';

/** The job name of a failed record made from an entry whose own name is unusable. */
export const INBOX_UNNAMED = '(inbox entry)';

/** Entries one ingest.lua call takes at most (a bounded call: other clients of Redis wait while a script runs). */
export const INBOX_BATCH = 1000;

/**
 * How long at most a duplicate entry's id points to the live job that held it off (QueueKeys.duplicate): as long as
 * the unique key's ttl, never longer than this, so the pointers of a stream of duplicates stay bounded.
 */
export const INBOX_DUPLICATE_TTL_MS = 3_600_000;

/** The hash field of the queue's meta that counts ingested entries (ingest.lua makes ids from it). */
export const INBOX_COUNTER = 'inbox';

/** What an option the inbox does not take may be, as its error says. */
const UNSUPPORTED = `nothing: an inbox entry takes only the options ${INBOX_OPTIONS.join(', ')} (send jobs with other options through the HTTP API or enqueue())`;

/**
 * The constants ingest.lua names (`EXPECTED_TIMEOUT`, `INBOX_MEMBERS`, ...), written into the script by the loader:
 * the texts are those of buildJobSpec's errors, so a bad option reads the same whichever way the job came.
 */
export function inboxLuaConstants(): Record<string, string> {
  const out: Record<string, string> = {
    EXPECTED_NAME: luaString(NAME_EXPECTED.name),
    EXPECTED_JOB_ID: luaString(NAME_EXPECTED.jobId),
    EXPECTED_OPTIONS: luaString(OPTIONS_EXPECTED),
    EXPECTED_KNOWN_OPTION: luaString(knownOptionsExpected('enqueue')),
    EXPECTED_UNSUPPORTED: luaString(UNSUPPORTED),
    EXPECTED_AT_FRONT: luaString(OPTION_EXPECTED.atFront),
    EXPECTED_ATTEMPTS: luaString(OPTION_EXPECTED.attempts),
    EXPECTED_DESCRIPTION: luaString(OPTION_EXPECTED.description),
    EXPECTED_META: luaString(OPTION_EXPECTED.meta),
    EXPECTED_PRIORITY: luaString(OPTION_EXPECTED.priority),
    // the lane rule as a Lua pattern (its sets take ranges as a regex's do; a closing '-' is escaped) and lanes.ts'
    // errors as formats (each %s in order: the lane, then the queue, as often as the text names them)
    INBOX_LANE_PATTERN: luaString(`^[${LANE_CHARS.replace(/-$/, '%-')}]+$`),
    INBOX_MAX_LANE: String(LANE_MAX_LENGTH),
    EXPECTED_LANE_NAMED: luaString(LANE_ERROR.namedLane('%s', '%s')),
    EXPECTED_NO_LANES: luaString(LANE_ERROR.noLanes('%s')),
    EXPECTED_NOT_A_LANE: luaString(LANE_ERROR.notALane('%s', '%s')),
    EXPECTED_UNIQUE: luaString(UNIQUE_EXPECTED),
    EXPECTED_UNIQUE_KEY: luaString(UNIQUE_KEY_EXPECTED),
    ...durationConstants('UNIQUE_TTL', UNIQUE_TTL_RULES),
    INBOX_MAX_UNIQUE_KEY: String(MAX_UNIQUE_KEY_LENGTH),
    EXPECTED_RUN_AT: luaString(RUN_AT_EXPECTED.value),
    EXPECTED_RUN_AT_WITH_DELAY: luaString(RUN_AT_EXPECTED.withDelay),
    INBOX_MAX_RUN_AT: String(MAX_RUN_AT_MS),
    EXPECTED_GROUP: luaString(GROUP_EXPECTED.group),
    EXPECTED_GROUP_ID: luaString(GROUP_EXPECTED.id),
    EXPECTED_GROUP_CONCURRENCY: luaString(GROUP_EXPECTED.concurrency),
    EXPECTED_GROUP_RATE_LIMIT: luaString(GROUP_EXPECTED.rateLimit),
    EXPECTED_GROUP_RATE_LIMIT_FIELDS: luaString(GROUP_EXPECTED.rateLimitFields),
    EXPECTED_GROUP_RATE_MAX: luaString(GROUP_EXPECTED.max),
    EXPECTED_GROUP_RATE_PER_GIVEN: luaString(GROUP_EXPECTED.per),
    // a format: the lane and the queue take the two %s
    EXPECTED_GROUP_IN_LANE: luaString(groupInLaneExpected('%s', '%s')),
    INBOX_MAX_GROUP_ID: String(MAX_GROUP_ID_LENGTH),
    INBOX_MAX_GROUP_CONCURRENCY: String(MAX_GROUP_CONCURRENCY),
    INBOX_MAX_GROUP_RATE: String(MAX_GROUP_RATE),
    ...durationConstants('GROUP_RATE_PER', GROUP_RATE_PER_RULES),
    INBOX_ENTRY_ERROR: luaString(INBOX_ENTRY_ERROR),
    INBOX_UNNAMED: luaString(INBOX_UNNAMED),
    INBOX_COUNTER: luaString(INBOX_COUNTER),
    INBOX_DUPLICATE_TTL: String(INBOX_DUPLICATE_TTL_MS),
    INBOX_MEMBERS: `({ ${INBOX_MEMBERS.map(luaString).join(', ')} })`,
    INBOX_OPTIONS: `({ ${INBOX_OPTIONS.map(luaString).join(', ')} })`,
    INBOX_KNOWN_OPTIONS: `({ ${[...KNOWN_OPTIONS].map(luaString).join(', ')} })`,
  };
  for (const [name, rules] of Object.entries(DURATION_RULES)) Object.assign(out, durationConstants(name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase(), rules));
  return out;
}

/** `EXPECTED_<name>` (the text of its error) and `DURATION_<name>` (the rules, for lib/inbox.lua duration_ms) of a Duration option. */
function durationConstants(name: string, rules: DurationRules): Record<string, string> {
  return {
    [`EXPECTED_${name}`]: luaString(durationExpected(rules)),
    [`DURATION_${name}`]: `({ forever = ${rules.allowForever === true}, zero = ${rules.allowZero === true}, max = ${rules.max ?? MAX_TIMER_MS} })`,
  };
}

/** A Lua string literal of printable ASCII text (JSON's escapes of `"` and `\` are Lua's too). */
function luaString(s: string): string {
  if (!/^[\x20-\x7e]*$/.test(s)) throw new Error(`not printable ASCII, which the loader writes into Lua as it is: ${s}`);
  return JSON.stringify(s);
}

