import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { bidTotal } from '../src/budget/totals';
import { database } from '../src/db/client';
import {
  activity,
  bidLines,
  bids,
  contacts,
  costItems,
  documentLines,
  documents,
  documentVersions,
  signatures,
} from '../src/db/schema';
import { Conflict, DomainError, NotFound, Refused } from '../src/errors';
import { contractorActor } from '../src/conversation/activity';
import {
  acceptBid,
  ALREADY_SIGNED,
  bidWrite,
  decline,
  NO_COSTS,
  sign,
  signWrite,
  STALE,
  submitBid,
  type Defer,
  type RecipientActor,
} from '../src/signing/actions';
import { db } from './helpers';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { pngDataUrl } from './hostile';
import { addGroup, addItem } from './pages';
import { editDraft } from './portal-fixtures';

// The signing capability's verbs called directly, with env and the database: no HTTP.

let co: Awaited<ReturnType<typeof companyWithBudget>>;

beforeAll(async () => {
  co = await companyWithBudget({ company: 'Action Builders' });
});

/** Collects what a verb hands to waitUntil, to wait for it. */
function deferred() {
  const work: Promise<unknown>[] = [];
  const defer: Defer = (p) => void work.push(p);
  return { defer, settle: () => Promise.all(work) };
}

/** Sends a document of `kind` to the customer (or the vendor) and returns what a decision on it needs. */
async function sent(
  kind: string,
  fields: Record<string, string> = { all: '1' },
  to: 'customer' | 'vendor' = 'customer',
) {
  const id = await createDocument(co.browser, co.jobId, kind, fields);
  const contact = to === 'vendor' ? co.vendorContact : co.customerContact;
  if (to === 'vendor')
    await editDraft(co.browser, id, (f) =>
      f.map(([k, v]) => [k, k === 'accountId' ? co.vendorId : k === 'contactId' ? contact.id : v]),
    );
  await sendDocument(co.browser, id);
  const doc = (await db().query.documents.findFirst({ where: eq(documents.id, id) }))!;
  const [version] = await db()
    .select()
    .from(documentVersions)
    .where(and(eq(documentVersions.documentId, id), eq(documentVersions.version, doc.sentVersion!)));
  const actor: RecipientActor = {
    side: 'recipient',
    contactId: contact.id,
    name: contact.name,
    ip: '198.51.100.7',
    userAgent: 'ActionTest/1.0',
  };
  const room = {
    orgId: co.orgId,
    documentId: id,
    jobId: co.jobId,
    timeZone: 'America/Chicago',
    origin: 'http://localhost',
  };
  return { id, hash: version.pdfSha256!, actor, room, version, contact };
}

/** The error a call throws (or fails the test). */
async function refusal(call: Promise<unknown>): Promise<DomainError> {
  const err = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  return err as DomainError;
}

async function png(): Promise<Uint8Array> {
  const w = 40;
  const h = 10;
  const raw = new Uint8Array(h * (1 + w * 4));
  for (let x = 2; x < w - 2; x++) raw.set([17, 24, 39, 255], 5 * (1 + w * 4) + 1 + x * 4);
  const idat = new Uint8Array(
    await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream('deflate'))).arrayBuffer(),
  );
  return Uint8Array.from(atob(pngDataUrl(w, h, idat).split(',')[1]), (ch) => ch.charCodeAt(0));
}

const signatureImages = async (orgId: string, documentId: string) =>
  (await env.FILES.list({ prefix: `org/${orgId}/doc/${documentId}/signature-` })).objects.map((o) => o.key);

const signInput = (d: Awaited<ReturnType<typeof sent>>, over: Partial<Parameters<typeof sign>[3]> = {}) => ({
  ...d.room,
  versionHash: d.hash,
  signerName: 'Dana Reyes',
  method: 'typed' as const,
  image: null,
  consent: true,
  idempotencyKey: crypto.randomUUID(),
  ...over,
});

describe('sign', () => {
  it('refuses without consent (422), for a stale version (409), a blank name, and a type not approved by signing; drawn images are deleted', async () => {
    const d = await sent('estimate');
    await db().update(contacts).set({ esignConsentAt: null }).where(eq(contacts.id, d.contact.id));
    const { defer } = deferred();
    const image = await png();
    const noConsent = await refusal(
      sign(env, database(env.DB), d.actor, signInput(d, { consent: false, method: 'drawn', image }), defer),
    );
    expect(noConsent).toBeInstanceOf(Refused);
    expect(noConsent).toMatchObject({ code: 'refused', field: 'consent' });
    const stale = await refusal(
      sign(
        env,
        database(env.DB),
        d.actor,
        signInput(d, { versionHash: 'a'.repeat(64), method: 'drawn', image }),
        defer,
      ),
    );
    expect(stale).toBeInstanceOf(Conflict);
    expect(stale.message).toBe(STALE);
    expect((await refusal(sign(env, database(env.DB), d.actor, signInput(d, { signerName: '   ' }), defer))).code).toBe(
      'refused',
    );
    expect(await signatureImages(co.orgId, d.id)).toEqual([]);
    expect(await db().$count(signatures, eq(signatures.documentId, d.id))).toBe(0);
    expect((await db().query.documents.findFirst({ where: eq(documents.id, d.id) }))?.status).toBe('sent');

    const bid = await sent('bid_request', { group: co.groups.electrical }, 'vendor');
    const notSigned = await refusal(sign(env, database(env.DB), bid.actor, signInput(bid), defer));
    expect(notSigned).toBeInstanceOf(Refused);
    expect(notSigned.message).toBe('This document is not approved by signing.');
  });

  it('signs once: consent, status, activity, the email, and the sealed PDF after the response', async () => {
    const d = await sent('estimate');
    const { defer, settle } = deferred();
    const result = await sign(env, database(env.DB), d.actor, signInput(d), defer);
    expect(result.signatureId).toMatch(/^[a-z0-9]+$/);
    const [sig] = await db().select().from(signatures).where(eq(signatures.documentId, d.id));
    expect(sig).toMatchObject({
      id: result.signatureId,
      outcome: 'signed',
      signerName: 'Dana Reyes',
      ip: '198.51.100.7',
      unsignedPdfSha256: d.hash,
    });
    expect((await db().query.documents.findFirst({ where: eq(documents.id, d.id) }))?.status).toBe('approved');
    const actions = (await db().select().from(activity).where(eq(activity.documentId, d.id))).map((a) => a.action);
    expect(actions.filter((a) => a === 'signed')).toHaveLength(1);
    const mail = await db().query.outbox.findFirst({
      where: (o, { and, eq }) => and(eq(o.documentId, d.id), eq(o.kind, 'decision')),
    });
    expect(mail?.subject).toContain('was signed by Dana Reyes');
    await settle();
    expect(
      (await db().select().from(signatures).where(eq(signatures.id, result.signatureId)))[0].sealedAt,
    ).not.toBeNull();

    const again = await refusal(sign(env, database(env.DB), d.actor, signInput(d), deferred().defer));
    expect(again).toBeInstanceOf(Conflict);
    expect(again.message).toBe(ALREADY_SIGNED);
  });

  it('the same idempotency key answers the first result again; the retry’s own image is not kept', async () => {
    const d = await sent('proposal', { group: co.groups.demolition });
    const { defer, settle } = deferred();
    const image = await png();
    const first = await sign(
      env,
      database(env.DB),
      d.actor,
      signInput(d, { idempotencyKey: 'same-key-1', method: 'drawn', image }),
      defer,
    );
    const second = await sign(
      env,
      database(env.DB),
      d.actor,
      signInput(d, { idempotencyKey: 'same-key-1', method: 'drawn', image }),
      defer,
    );
    expect(second).toEqual(first);
    expect(await db().$count(signatures, eq(signatures.documentId, d.id))).toBe(1);
    expect(await signatureImages(co.orgId, d.id)).toEqual([first.imageKey]);
    await settle();
  });

  it("the room's answer lost after its commit: the image the signature points at stays, and the retry answers with it", async () => {
    const d = await sent('proposal', { group: co.groups.demolition });
    const { defer, settle } = deferred();
    const image = await png();
    // The room commits the signature, then its answer never arrives (a reset or a dropped connection).
    const rooms = env.DOCUMENT_ROOM;
    const lost = {
      idFromName: (name: string) => rooms.idFromName(name),
      get: (id: DurableObjectId) => {
        const stub = rooms.get(id);
        return new Proxy(stub, {
          get: (target, prop) =>
            prop === 'sign'
              ? async (input: unknown) => {
                  await target.sign(input as never);
                  throw new Error('Network connection lost.');
                }
              : Reflect.get(target, prop),
        });
      },
    } as unknown as typeof env.DOCUMENT_ROOM;
    const input = signInput(d, { idempotencyKey: 'lost-answer-1', method: 'drawn', image });
    await expect(sign({ ...env, DOCUMENT_ROOM: lost }, database(env.DB), d.actor, input, defer)).rejects.toThrow(
      'Network connection lost.',
    );
    const [row] = await db().select().from(signatures).where(eq(signatures.documentId, d.id));
    expect(await signatureImages(co.orgId, d.id)).toEqual([row.imageKey]);
    // The browser sends the form again: the first signature's answer, its image still there, none added.
    const again = await sign(env, database(env.DB), d.actor, input, defer);
    expect(again).toMatchObject({ signatureId: row.id, imageKey: row.imageKey });
    expect(await signatureImages(co.orgId, d.id)).toEqual([row.imageKey]);
    await settle();
  });

  it('a signature batch on a document that moved on outside the room commits nothing (the send won)', async () => {
    const d = await sent('change_order', { group: co.groups.demolition });
    const plan = await signWrite(database(env.DB), {
      ...d.room,
      actor: d.actor,
      versionHash: d.hash,
      signerName: 'Dana Reyes',
      method: 'typed',
      imageKey: null,
      consent: true,
      idempotencyKey: 'k',
    });
    // A send of revision 2 lands between the plan's reads and its batch.
    const doc = (await db().query.documents.findFirst({ where: eq(documents.id, d.id) }))!;
    await db()
      .update(documents)
      .set({ sentVersion: doc.sentVersion! + 1, status: 'sent' })
      .where(eq(documents.id, d.id));
    const groupsBefore = await db().$count(
      activity,
      and(eq(activity.documentId, d.id), eq(activity.action, 'budget_updated')),
    );
    const [first, ...rest] = plan.statements;
    await expect(database(env.DB).batch([first, ...rest])).rejects.toThrow(
      /NOT NULL constraint failed: signatures\.unsigned_pdf_sha256/,
    );
    expect(await db().$count(signatures, eq(signatures.documentId, d.id))).toBe(0);
    expect(await db().$count(activity, and(eq(activity.documentId, d.id), eq(activity.action, 'signed')))).toBe(0);
    expect(await db().$count(activity, and(eq(activity.documentId, d.id), eq(activity.action, 'budget_updated')))).toBe(
      groupsBefore,
    );
    expect((await db().query.documents.findFirst({ where: eq(documents.id, d.id) }))?.status).toBe('sent');
    await db()
      .update(documents)
      .set({ sentVersion: doc.sentVersion, status: doc.status })
      .where(eq(documents.id, d.id));
  });
});

describe('decline', () => {
  it('refuses a reason over 1,000 characters (422) and a stale version (409); declines once; then nothing else is accepted', async () => {
    const d = await sent('proposal', { group: co.groups.electrical });
    const { defer } = deferred();
    const long = await refusal(
      decline(env, database(env.DB), d.actor, { ...d.room, versionHash: d.hash, reason: 'x'.repeat(1001) }, defer),
    );
    expect(long).toMatchObject({ code: 'refused', field: 'reason' });
    expect(long.message).toContain('it has 1,001');
    expect(
      (
        await refusal(
          decline(env, database(env.DB), d.actor, { ...d.room, versionHash: '0'.repeat(64), reason: '' }, defer),
        )
      ).message,
    ).toBe(STALE);
    expect(
      await decline(env, database(env.DB), d.actor, { ...d.room, versionHash: d.hash, reason: 'Over budget' }, defer),
    ).toEqual({ declined: true });
    expect((await db().query.documents.findFirst({ where: eq(documents.id, d.id) }))?.status).toBe('declined');
    const [row] = await db().select().from(signatures).where(eq(signatures.documentId, d.id));
    expect(row).toMatchObject({ outcome: 'declined', reason: 'Over budget' });
    expect(
      await refusal(decline(env, database(env.DB), d.actor, { ...d.room, versionHash: d.hash, reason: '' }, defer)),
    ).toBeInstanceOf(Conflict);
    expect(await refusal(sign(env, database(env.DB), d.actor, signInput(d), defer))).toBeInstanceOf(Conflict);
    expect(await db().$count(signatures, eq(signatures.documentId, d.id))).toBe(1);
  });
});

describe('bids', () => {
  it('refuses a bid with no cost, a line the request does not have, a line total past the cap, a stale version; submits, then revises one bid row', async () => {
    // A group with one large-quantity item, so a unit cost within range passes the $10 billion line cap.
    const groupId = await addGroup(co.browser, co.jobId, 'Concrete');
    await addItem(co.browser, co.jobId, groupId, { name: 'Slab', quantity: '5000', unitCost: '1.00' });
    const d = await sent('bid_request', { group: groupId }, 'vendor');
    const lines = await db().select().from(documentLines).where(eq(documentLines.versionId, d.version.id));
    const slab = lines.find((l) => l.kind === 'item')!;
    const { defer } = deferred();
    const bid = (over: Partial<Parameters<typeof submitBid>[3]>) =>
      submitBid(
        env,
        database(env.DB),
        d.actor,
        { ...d.room, versionHash: d.hash, note: '', lines: [{ lineId: slab.id, unitCost: 250, note: '' }], ...over },
        defer,
      );
    expect((await refusal(bid({ lines: [{ lineId: slab.id, unitCost: null, note: '' }] }))).message).toBe(NO_COSTS);
    expect(await refusal(bid({ lines: [{ lineId: 'nosuchline', unitCost: 100, note: '' }] }))).toBeInstanceOf(Refused);
    const capped = await refusal(bid({ lines: [{ lineId: slab.id, unitCost: 999_999_999, note: '' }] }));
    expect(capped).toMatchObject({ code: 'refused', field: `cost.${slab.id}` });
    expect(capped.message).toContain('$10 billion per item');
    expect((await refusal(bid({ versionHash: 'b'.repeat(64) }))).message).toBe(STALE);
    expect(await db().$count(bids, eq(bids.documentId, d.id))).toBe(0);

    const first = await bid({ note: 'Pour in May' });
    expect(first).toEqual({ total: bidTotal([{ quantity: slab.quantity, unitCost: 250 }]), revised: false });
    expect(first.total).toBe(1_250_000);
    const second = await bid({ lines: [{ lineId: slab.id, unitCost: 240, note: 'Cash price' }] });
    expect(second).toEqual({ total: 1_200_000, revised: true });
    const rows = await db().select().from(bids).where(eq(bids.documentId, d.id));
    expect(rows).toHaveLength(1);
    expect(
      await db()
        .select({ unitCost: bidLines.unitCost, note: bidLines.note })
        .from(bidLines)
        .where(eq(bidLines.bidId, rows[0].id)),
    ).toEqual([{ unitCost: 240, note: 'Cash price' }]);
    expect((await db().query.documents.findFirst({ where: eq(documents.id, d.id) }))?.status).toBe('submitted');
  });

  it('a bid batch on a request that moved on outside the room commits nothing', async () => {
    const d = await sent('bid_request', { group: co.groups.electrical }, 'vendor');
    const [line] = await db()
      .select()
      .from(documentLines)
      .where(and(eq(documentLines.versionId, d.version.id), eq(documentLines.kind, 'item')));
    const plan = await bidWrite(database(env.DB), {
      ...d.room,
      actor: d.actor,
      versionHash: d.hash,
      note: 'n',
      lines: [{ lineId: line.id, unitCost: 100, note: '' }],
    });
    // The request is closed (another bid was accepted) between the plan's reads and its batch.
    await db().update(documents).set({ status: 'rejected' }).where(eq(documents.id, d.id));
    const [first, ...rest] = plan.statements;
    await expect(database(env.DB).batch([first, ...rest])).rejects.toThrow(/NOT NULL constraint failed: bids\.note/);
    expect(await db().$count(bids, eq(bids.documentId, d.id))).toBe(0);
    expect(await db().$count(activity, and(eq(activity.documentId, d.id), eq(activity.action, 'bid_submitted')))).toBe(
      0,
    );
  });

  it('accepts the submitted bid once: costs and vendor onto the budget; another org, a non-bid document and a request without a bid are refused', async () => {
    const d = await sent('bid_request', { group: co.groups.electrical }, 'vendor');
    const owner = contractorActor({ id: co.userId, name: 'Owner Person' });
    const input = { orgId: co.orgId, documentId: d.id, timeZone: 'America/Chicago', origin: 'http://localhost' };
    expect(await refusal(acceptBid(env, database(env.DB), owner, input))).toBeInstanceOf(Conflict);
    const other = await companyWithBudget({ company: 'Other Action Co' });
    expect(await refusal(acceptBid(env, database(env.DB), owner, { ...input, orgId: other.orgId }))).toBeInstanceOf(
      NotFound,
    );
    const estimate = await sent('estimate', { group: co.groups.electrical });
    expect(
      await refusal(acceptBid(env, database(env.DB), owner, { ...input, documentId: estimate.id })),
    ).toBeInstanceOf(NotFound);

    const lines = await db()
      .select()
      .from(documentLines)
      .where(and(eq(documentLines.versionId, d.version.id), eq(documentLines.kind, 'item')));
    const { defer } = deferred();
    await submitBid(
      env,
      database(env.DB),
      d.actor,
      {
        ...d.room,
        versionHash: d.hash,
        note: '',
        lines: lines.map((l) => ({ lineId: l.id, unitCost: 4_100, note: '' })),
      },
      defer,
    );
    expect(await acceptBid(env, database(env.DB), owner, input)).toEqual({ items: lines.length });
    for (const l of lines) {
      const [item] = await db().select().from(costItems).where(eq(costItems.id, l.costItemId!));
      expect(item).toMatchObject({ unitCost: 4_100, vendorAccountId: co.vendorId });
    }
    expect((await refusal(acceptBid(env, database(env.DB), owner, input))).message).toBe(
      'There is no submitted bid to accept on this request.',
    );
    expect(await db().$count(activity, and(eq(activity.documentId, d.id), eq(activity.action, 'bid_accepted')))).toBe(
      1,
    );
  });
});
