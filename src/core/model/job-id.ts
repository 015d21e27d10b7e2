import { randomFillSync } from 'node:crypto';

/**
 * Default job ids: random (version 4) UUIDs, made in blocks, since crypto.randomUUID builds each id from many small
 * string pieces (bench/results/tuning.md): one block of random bytes is written out as text once, and each id is then
 * a single flat 36-byte string copied out of it.
 */
const PER_BLOCK = 512;
const random = Buffer.alloc(16 * PER_BLOCK);
const text = Buffer.alloc(36 * PER_BLOCK);
let next = PER_BLOCK;

/** Two hex digits of each byte, as character codes. */
const HEX = new Uint16Array(256);
for (let b = 0; b < 256; b++) {
  const s = b.toString(16).padStart(2, '0');
  HEX[b] = s.charCodeAt(0) | (s.charCodeAt(1) << 8); // first digit in the low byte
}

/** Where each of the 16 bytes goes in "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx". */
const AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

function refill(): void {
  randomFillSync(random);
  for (let u = 0; u < PER_BLOCK; u++) {
    const r = u * 16;
    random[r + 6] = (random[r + 6]! & 0x0f) | 0x40; // version 4
    random[r + 8] = (random[r + 8]! & 0x3f) | 0x80; // RFC 4122 variant
    const t = u * 36;
    for (let k = 0; k < 16; k++) {
      const h = HEX[random[r + k]!]!;
      text[t + AT[k]!] = h & 0xff;
      text[t + AT[k]! + 1] = h >> 8;
    }
    text[t + 8] = text[t + 13] = text[t + 18] = text[t + 23] = 0x2d; // '-'
  }
  next = 0;
}

/** A new random UUID (lower-case v4), as crypto.randomUUID() gives. */
export function newJobId(): string {
  if (next === PER_BLOCK) refill();
  const t = next++ * 36;
  return text.toString('latin1', t, t + 36);
}
