import type { ContractorActor } from '../documents/actions';
import type { Db } from '../db/client';
import type { Env } from '../env';
import type { RoomContext, RoomWrite } from '../rooms/client';

// Issue 17: the contractor's countersignature. After every signer signed a document that asks for
// it (`documents.countersign`), a user of the company signs in the dashboard; only then is the PDF
// sealed (once, listing every signer and the countersigner).

export interface CountersignCommit extends RoomContext {
  actor: ContractorActor;
  versionHash: string;
  signerName: string;
  signerEmail: string;
  method: 'drawn' | 'typed';
  imageKey: string | null;
  consent: boolean;
}

/** The room's plan: checks every signer signed the sent version and nobody countersigned it yet. */
export async function countersignWrite(
  _db: Db,
  _env: Env,
  _input: CountersignCommit,
): Promise<RoomWrite<{ signatureId: string; imageKey: string | null }>> {
  throw new Error('countersignWrite: built by issue 17, part C');
}
