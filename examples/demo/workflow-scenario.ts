import { InvalidJobStateError, type JobHandle, type JobStatus, type QueueService } from '../../src/index.js';
import type { AuditLog } from './audit-log.js';
import type { Planned } from './scenario.js';
import { ran, type Settled } from './settle.js';
import { printTable, show } from './table.js';
import type { OrderLine } from './workflow-jobs.js';

/** A workflow job also carries the status it had right after enqueue, before any worker ran. */
export interface FlowPlanned extends Planned {
  before: JobStatus;
}

export interface Workflow {
  jobs: FlowPlanned[];
  notes: string[];
  problems: string[];
  /** Runs alongside the consumer: stops the long export as soon as it is running. */
  whileRunning(): Promise<void>;
  /** After every job has settled: prints the table and the audit log, and checks both. */
  report(settled: Settled<FlowPlanned>[]): Promise<void>;
}

const ITEMS: OrderLine[] = [
  { sku: 'mug', qty: 2, unitCents: 1250 },
  { sku: 'tee', qty: 1, unitCents: 1500 },
  { sku: 'cap', qty: 1, unitCents: 500 },
];
const EXPORT_DATA = { year: 2023, ms: 20_000 };

/**
 * Everything the callbacks and the export handler should have logged, in any order (the charges run concurrently).
 * `charge` and `declined charge` get their callbacks in scenario.ts.
 */
const EXPECTED_AUDIT = [
  'onSuccess billing.charge: {"chargeId":"ch_4242_30","amount":30}',
  'onFailure billing.charge: CardDeclinedError: card ending 0000 was declined for 99 EUR',
  `export.archive started for ${EXPORT_DATA.year}`,
  `onStopped export.archive: ${JSON.stringify(EXPORT_DATA)}`,
];

/**
 * Enqueues the dependency, pipeline and stop examples. Must run before the consumer starts: the "before start"
 * statuses it records are the proof that dependents wait.
 */
export async function enqueueWorkflow(queue: QueueService, audit: AuditLog, charges: { charge: JobHandle; declined: JobHandle }): Promise<Workflow> {
  const jobs: FlowPlanned[] = [];
  const notes: string[] = [];
  const problems: string[] = [];
  const plan = async (label: string, shows: string, handle: JobHandle, before: JobStatus, expect: FlowPlanned['expect']): Promise<JobHandle> => {
    const now = await handle.getStatus();
    if (now !== before) problems.push(`${label}: status ${now} right after enqueue, expected ${before}`);
    jobs.push({ label, shows, handle, before: now, expect });
    return handle;
  };

  // 1. A cross-queue dependency: the label ('shipping') waits for the charge ('default') to finish.
  const ship = await plan('ship A-42', "dependsOn 'charge' (other queue)", await queue.enqueue('shipping.label', { orderId: 'A-42', carrier: 'DHL' }, { dependsOn: charges.charge }), 'deferred', 'finished');

  // 2. A pipeline: each chain() step depends on the one before and gets its result as data.
  const subtotal = await plan('pricing', 'pipeline start', await queue.enqueue('pricing.subtotal', { items: ITEMS }), 'queued', 'finished');
  const vat = await plan('  -> vat', "chain('pricing.vat')", await subtotal.chain('pricing.vat'), 'deferred', 'finished');
  const invoice = await plan('  -> invoice', "chain('pricing.invoice')", await vat.chain('pricing.invoice'), 'deferred', 'finished');

  // 4. 'cancel' instead of RQ's default 'wait': when the declined charge fails, this label is canceled, never run.
  const doomed = await plan('ship B-7', "dependsOn 'declined charge', cancel", await queue.enqueue('shipping.label', { orderId: 'B-7', carrier: 'DHL' }, { dependsOn: charges.declined, onDependencyFailure: 'cancel' }), 'deferred', 'canceled');

  // 5. A long job that only ends because it is stopped; its timeout is only a backstop should stop() not work.
  const longExport = await plan('archive 2023', 'stop() while running, onStopped', await queue.enqueue('export.archive', EXPORT_DATA, { onStopped: 'audit.stopped', timeout: '30s' }), 'queued', 'stopped');

  const labels = new Map(jobs.map((j) => [j.handle.id, j.label]));
  const waiting = (await queue.getJobIds('shipping', 'deferred')).map((id) => labels.get(id) ?? id);
  notes.push(`'shipping' jobs deferred before the consumer starts: ${waiting.join(', ')}`);

  async function whileRunning(): Promise<void> {
    if (!(await audit.waitFor((l) => l.startsWith('export.archive started'), 5000))) {
      problems.push('the long export never started');
      return;
    }
    const status = await longExport.getStatus();
    try {
      await longExport.stop();
      notes.push(`stop() sent to 'archive 2023' once it ran (its status then: ${status})`);
    } catch (err) {
      if (!(err instanceof InvalidJobStateError)) throw err;
      problems.push(`stop() of the running export was refused: ${err.message}`);
    }
  }

  async function report(settled: Settled<FlowPlanned>[]): Promise<void> {
    for (const n of notes) console.log(`- ${n}`);
    console.log();
    printTable(
      ['job', 'queue', 'shows', 'before start', 'status', 'ran', 'result / error'],
      settled.map((s) => [s.label, s.handle.queue, s.shows, s.before, s.status, ran(s), s.outcome]),
    );
    for (const s of settled) if (s.status !== s.expect) problems.push(`${s.label}: status ${s.status}, expected ${s.expect}`);

    // The dependent must not have started before its dependency ended.
    const [shipInfo, chargeInfo] = await Promise.all([ship.info(), charges.charge.info()]);
    if (!shipInfo.startedAt || !chargeInfo.endedAt || shipInfo.startedAt < chargeInfo.endedAt) problems.push("'ship A-42' did not wait for 'charge' to end");

    console.log();
    for (const [prev, next] of [[subtotal, vat], [vat, invoice]] as const) {
      const [p, n] = await Promise.all([prev.info(), next.info()]);
      const same = show(n.data) === show(p.result);
      console.log(`- ${next.name} received ${show(n.data)}: ${same ? `the result of ${prev.name}` : 'NOT the previous result'}`);
      if (!same) problems.push(`${next.name} did not receive the result of ${prev.name}`);
    }
    // The table cuts this error; in full it names the dependency (by id, shown here by its label).
    const doomedError = (await doomed.info()).error;
    console.log(`- 'ship B-7' error: ${doomedError ? doomedError.message.replaceAll(charges.declined.id, "<'declined charge'>") : 'none'}`);
    if (doomedError?.name !== 'DependencyFailedError' || !doomedError.message.includes(charges.declined.id)) {
      problems.push(`'ship B-7' ended with ${show(doomedError)}, expected a DependencyFailedError naming the declined charge`);
    }

    // onStopped runs once the worker hears of the stop, which may be just after the status reads 'stopped'.
    await audit.waitFor((l) => l.startsWith('onStopped'), 2000);
    console.log('- audit log (written by the @JobCallback methods and the export handler):');
    for (const line of audit.all()) console.log(`    ${line}`);
    if (show([...audit.all()].sort()) !== show([...EXPECTED_AUDIT].sort())) problems.push(`the audit log differs from the expected ${show(EXPECTED_AUDIT)}`);
  }

  return { jobs, notes, problems, whileRunning, report };
}
