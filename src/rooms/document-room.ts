import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';

/**
 * One per document. Serializes every write to a sent document through its own promise chain:
 * D1 and R2 awaits open the input gate, so without the chain concurrent writes would interleave.
 */
export class DocumentRoom extends DurableObject<Env> {
  private queue: Promise<unknown> = Promise.resolve();

  /** Runs `work` after every write queued before it has finished. */
  protected serialize<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async ping(): Promise<string> {
    return this.serialize(async () => 'ok');
  }
}
