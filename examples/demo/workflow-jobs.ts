import { setTimeout as delay } from 'node:timers/promises';
import { Injectable, Module } from '@nestjs/common';
import { Job, JobCallback, type JobContext, type JobSnapshot } from '../../src/index.js';
import { AuditLog } from './audit-log.js';

// Amounts are in cents so every step of the pricing pipeline is exact and the demo's output is the same each run.
export interface OrderLine {
  sku: string;
  qty: number;
  unitCents: number;
}
export interface Subtotal {
  lines: number;
  subtotalCents: number;
}
export interface Priced extends Subtotal {
  vatCents: number;
  totalCents: number;
}

const eur = (cents: number): string => (cents / 100).toFixed(2);

/** Callbacks are plain provider methods, so they get their collaborators (here the audit log) through DI. */
@Injectable()
export class AuditCallbacks {
  constructor(private readonly audit: AuditLog) {}

  @JobCallback('audit.success')
  succeeded(job: JobSnapshot, result: unknown): void {
    this.audit.record(`onSuccess ${job.name}: ${JSON.stringify(result)}`);
  }

  @JobCallback('audit.failure')
  failed(job: JobSnapshot, error: Error): void {
    this.audit.record(`onFailure ${job.name}: ${error.name}: ${error.message}`);
  }

  @JobCallback('audit.stopped')
  stopped(job: JobSnapshot): void {
    this.audit.record(`onStopped ${job.name}: ${JSON.stringify(job.data)}`);
  }
}

/** Lives in its own queue so the demo's dependency on a 'default' job is a cross-queue one. */
@Injectable()
export class ShippingJobs {
  @Job('shipping.label', { queue: 'shipping' })
  label(data: { orderId: string; carrier: string }): { orderId: string; tracking: string } {
    return { orderId: data.orderId, tracking: `${data.carrier}-${data.orderId}` };
  }
}

/** Three steps meant to be chained: each takes exactly what the step before it returned. */
@Injectable()
export class PricingJobs {
  @Job('pricing.subtotal', { queue: 'pricing' })
  subtotal(data: { items: OrderLine[] }): Subtotal {
    return { lines: data.items.length, subtotalCents: data.items.reduce((sum, l) => sum + l.qty * l.unitCents, 0) };
  }

  @Job('pricing.vat', { queue: 'pricing' })
  vat(data: Subtotal): Priced {
    const vatCents = Math.round(data.subtotalCents * 0.2);
    return { ...data, vatCents, totalCents: data.subtotalCents + vatCents };
  }

  @Job('pricing.invoice', { queue: 'pricing' })
  invoice(data: Priced): string {
    return `${data.lines} lines: ${eur(data.subtotalCents)} + ${eur(data.vatCents)} VAT = ${eur(data.totalCents)} EUR`;
  }
}

@Injectable()
export class ExportJobs {
  constructor(private readonly audit: AuditLog) {}

  /**
   * Long-running work that honours ctx.signal, so stop() ends it at once. It records its start so the demo can send
   * stop() only once the job really runs (stop() refuses a job that has not started).
   */
  @Job('export.archive', { queue: 'exports' })
  async archive(data: { year: number; ms: number }, ctx: JobContext): Promise<string> {
    this.audit.record(`${ctx.name} started for ${data.year}`);
    await delay(data.ms, undefined, { signal: ctx.signal });
    return `archived ${data.year}`;
  }
}

@Module({
  providers: [AuditLog, AuditCallbacks, ShippingJobs, PricingJobs, ExportJobs],
  exports: [AuditLog],
})
export class WorkflowJobsModule {}
