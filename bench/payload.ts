/**
 * The job payload: a realistic ~100-byte JSON object (issue 4). Each job gets its own object, as real callers
 * pass, so neither library profits from serialising one shared object.
 */
export interface BenchPayload {
  seq: number;
  user: string;
  action: string;
  locale: string;
  tags: string[];
  /** Set only by the latency scenario: performance.now() just before the enqueue call. */
  t?: number;
}

export function makePayload(seq: number): BenchPayload {
  return {
    seq,
    user: `user-${String(seq % 1_000_000).padStart(8, '0')}`,
    action: 'send-welcome-email',
    locale: 'en-GB',
    tags: ['signup', 'email', 'bench'],
  };
}

export function makePayloads(count: number): BenchPayload[] {
  const out = new Array<BenchPayload>(count);
  for (let i = 0; i < count; i++) out[i] = makePayload(i);
  return out;
}

/** Size of a typical encoded payload, printed in the report header so the "~100 bytes" claim is checked. */
export function payloadBytes(): number {
  return Buffer.byteLength(JSON.stringify(makePayload(12_345)));
}
