import { Conflict, DomainError } from '../errors';
import { throughRoom, type RoomResult } from '../rooms/client';

// A recipient's write through the document's room whose batch a guard stopped: the refusal it stands for.

export const STALE = 'This document was revised; please review the new version.';

/** The D1 error of a batch that whileUnchanged stopped. */
const MOVED_ON = /NOT NULL constraint failed: (signatures\.unsigned_pdf_sha256|bids\.note)/;
/** The D1 error of a batch whose email's `whileAccess` guard stopped it: a revoke landed between read and write. */
const ACCESS_MOVED = /NOT NULL constraint failed: outbox\.to_email/;

/** The room's answer; a batch that whileUnchanged or whileAccess stopped is the 409 it stands for. */
export async function decided<R>(call: Promise<RoomResult<R>>): Promise<R> {
  try {
    return await throughRoom(call);
  } catch (err) {
    if (!(err instanceof DomainError) && MOVED_ON.test(String(err))) throw new Conflict(STALE);
    if (!(err instanceof DomainError) && ACCESS_MOVED.test(String(err)))
      throw new Conflict(
        'Who this document is sent to changed while you were deciding. Reload the page and try again.',
      );
    throw err;
  }
}
