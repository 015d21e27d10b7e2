import { sleep } from './wait.js';

/**
 * Calls `send(i)` at a steady `perSecond` for `seconds`, catching up after each timer tick so the average rate holds
 * even though Node's timers fire late. Sends are not awaited one by one (a producer at a fixed rate does not wait for
 * the previous enqueue); all of them are awaited at the end, and the first failure is rethrown.
 */
export async function paced(perSecond: number, seconds: number, send: (i: number) => Promise<unknown>): Promise<number> {
  const total = Math.round(perSecond * seconds);
  const pending: Promise<unknown>[] = [];
  const t0 = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) * perSecond) / 1000) + 1);
    while (sent < due) pending.push(send(sent++));
    await sleep(1);
  }
  await Promise.all(pending);
  return total;
}
