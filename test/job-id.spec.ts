import { newJobId } from '../src/core/model/job-id.js';

describe('newJobId', () => {
  it('gives version 4 UUIDs, all different, across many blocks', () => {
    const v4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const id = newJobId();
      expect(id).toMatch(v4);
      seen.add(id);
    }
    expect(seen.size).toBe(5000);
  });

  it('gives ids that stay as they were when later ids are made (each is its own string)', () => {
    const first = Array.from({ length: 600 }, () => newJobId());
    const copy = first.map((id) => `${id}`);
    for (let i = 0; i < 2000; i++) newJobId();
    expect(first).toEqual(copy);
  });
});
