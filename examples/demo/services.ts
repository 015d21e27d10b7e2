import { setTimeout as delay } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';

/** Stands in for an SMTP client. Handlers reach it through DI, which is the point the demo makes. */
@Injectable()
export class Mailer {
  private sent = 0;

  async send(to: string, subject: string): Promise<string> {
    await delay(20); // a network call, roughly
    this.sent++;
    return `msg-${this.sent}-${to.split('@')[0]}`;
  }
}

/** Stands in for a slow reporting backend. `crunch` honours an AbortSignal, as long-running work should. */
@Injectable()
export class ReportBuilder {
  async crunch(ms: number, signal?: AbortSignal): Promise<void> {
    await delay(ms, undefined, { signal });
  }

  summarise(month: string): { month: string; orders: number; revenue: number } {
    // Deterministic numbers so the demo's output is the same on every run.
    const seed = [...month].reduce((n, c) => n + c.charCodeAt(0), 0);
    return { month, orders: seed % 97, revenue: (seed % 97) * 42 };
  }
}

export class CardDeclinedError extends Error {
  override name = 'CardDeclinedError';
}

/** Stands in for a payment gateway that refuses some cards. */
@Injectable()
export class Payments {
  charge(card: string, amount: number): { chargeId: string; amount: number } {
    if (card.endsWith('0000')) throw new CardDeclinedError(`card ending ${card.slice(-4)} was declined for ${amount} EUR`);
    return { chargeId: `ch_${card.slice(-4)}_${amount}`, amount };
  }
}
