import type { ContractorActor } from '../documents/actions';
import type { Db } from '../db/client';
import type { Env } from '../env';
import type { RoomContext, RoomWrite } from '../rooms/client';

// Issue 17: the contractor takes a recipient off a sent document (one who has not signed its
// sent version), through the document's room, so a signature racing it is either recorded first
// (and the removal refused) or refused cleanly ("You are no longer asked to sign this document").

export interface RemoveRecipientCommit extends RoomContext {
  actor: ContractorActor;
  contactId: string;
}

/** The room's plan: reads the recipients and signatures inside the queue; 409 once the contact signed. */
export async function removeRecipientWrite(
  _db: Db,
  _env: Env,
  _input: RemoveRecipientCommit,
): Promise<RoomWrite<{ removed: boolean }>> {
  throw new Error('removeRecipientWrite: built by issue 17, part B');
}
