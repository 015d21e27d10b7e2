import { InvalidOptionError, QueueClient } from '../../src/core/index.js';
import type { WithDependsOn } from './jobline.js';

/**
 * Whether this build of the engine implements `dependsOn`. The fan scenarios run only where it does, so the
 * harness needs no change the day it lands. Probed with a real enqueue under a prefix of its own; an engine
 * without the option rejects it as an unknown option before writing anything.
 */
export async function supportsDependsOn(url: string): Promise<boolean> {
  const client = new QueueClient({ connection: url, prefix: 'bench-probe', defaultQueue: 'probe' });
  try {
    const first = await client.enqueue('probe', {});
    const options: WithDependsOn = { dependsOn: [first.id] };
    try {
      await client.enqueue('probe', {}, options);
      return true;
    } catch (err) {
      if (err instanceof InvalidOptionError && err.option === 'dependsOn') return false;
      throw err;
    }
  } finally {
    await client.close();
  }
}

export const DEPENDS_ON_MISSING = 'dependsOn not implemented';
