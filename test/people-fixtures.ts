import { env } from 'cloudflare:workers';
import { and, eq, sql } from 'drizzle-orm';
import { contacts, documentRecipients, documents, type RecipientRole, type SigningOrder } from '../src/db/schema';
import { createId } from '../src/db/ids';
import { portalLink } from '../src/portal/links';
import { BASE, Browser, db } from './helpers';

// Issue 17's test setup: more people on a document that was sent to its one contact. The send page's
// own path (several recipients chosen when sending) has its tests in people-send.test.ts; this is the
// shortcut the signing and sealing tests start from: contacts and recipient rows written straight
// to D1, then the contractor's own Resend (the real path), which emails each person their link and
// records that it was given, as a send to all of them would have.

export interface Person {
  name: string;
  email: string;
  role?: RecipientRole;
}

/**
 * Adds `people` to a sent document's recipients (new contacts of its account, after the existing
 * recipients in signing order) and sets its signing order and countersignature. Returns each added
 * contact with a browser that opened their own portal link.
 */
export async function addRecipients(
  documentId: string,
  people: Person[],
  opts: { order?: SigningOrder; countersign?: boolean; contractor?: Browser } = {},
) {
  const doc = await db().query.documents.findFirst({ where: (t, { eq }) => eq(t.id, documentId) });
  if (!doc?.accountId) throw new Error(`addRecipients: ${documentId} has no account`);
  const now = Date.now();
  const [{ last }] = await db()
    .select({ last: sql<number>`coalesce(max(${documentRecipients.position}), 0)` })
    .from(documentRecipients)
    .where(eq(documentRecipients.documentId, documentId));
  const added = [];
  for (const [i, p] of people.entries()) {
    const id = createId();
    await db().insert(contacts).values({
      id,
      orgId: doc.orgId,
      accountId: doc.accountId,
      name: p.name,
      email: p.email,
      createdAt: now,
    });
    await db()
      .insert(documentRecipients)
      .values({
        orgId: doc.orgId,
        documentId,
        contactId: id,
        role: p.role ?? 'signer',
        position: last + i + 1,
        createdAt: now,
      });
    added.push({ id, orgId: doc.orgId, accountId: doc.accountId, name: p.name, email: p.email, accessVersion: 1 });
  }
  await db()
    .update(documents)
    .set({ signingOrder: opts.order ?? doc.signingOrder, countersign: opts.countersign ?? doc.countersign })
    .where(and(eq(documents.id, documentId), eq(documents.orgId, doc.orgId)));
  if (opts.contractor) {
    const resent = await opts.contractor.post(`/documents/${documentId}/resend`, {});
    if (resent.status !== 303) throw new Error(`resend: ${resent.status} ${(await resent.text()).slice(0, 500)}`);
  }
  return Promise.all(
    added.map(async (contact) => {
      const link = new URL(await portalLink(env, BASE, contact, documentId, 30)).pathname;
      const browser = new Browser();
      const open = await browser.get(link);
      if (open.status !== 303) throw new Error(`open ${contact.name}'s link: ${open.status}`);
      return { contact, link, browser };
    }),
  );
}

/** The version hash a recipient's page offers to sign. */
export async function versionHashFor(browser: Browser, documentId: string) {
  const page = await (await browser.get(`/portal/documents/${documentId}`)).text();
  return /name="versionHash" value="([0-9a-f]{64})"/.exec(page)?.[1] ?? '';
}
