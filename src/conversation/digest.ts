import { and, asc, eq, gt } from 'drizzle-orm';
import { renderMail } from '../../views/mail/message';
import type { Db } from '../db/client';
import { comments, contacts, documents, orgs, users } from '../db/schema';
import type { Env } from '../env';
import { queueMail } from '../mail/outbox';
import { portalLink } from '../portal/links';
import { linkStillGiven } from '../portal/queries';
import type { RoomContext } from '../rooms/client';

export const DIGEST_EVERY_MS = 10 * 60_000;

export type DigestOutcome = { retryAt?: number; sentThrough?: number };

/**
 * Emails one side a digest of the other side's comments since `cursor` (or since the last digest),
 * at most one per document and side every 10 minutes. Answers when to try again if it is too soon,
 * or the time of the last comment it carried.
 */
export async function sendCommentDigest(
  env: Env,
  db: Db,
  room: RoomContext,
  audience: 'contractor' | 'recipient',
  cursor: number | null,
): Promise<DigestOutcome> {
  const now = Date.now();
  const [head] = await db
    .select({
      document: documents,
      org: orgs,
      contact: {
        id: contacts.id,
        accountId: contacts.accountId,
        name: contacts.name,
        email: contacts.email,
        accessVersion: contacts.accessVersion,
      },
      creator: { name: users.name, email: users.email },
    })
    .from(documents)
    .innerJoin(orgs, eq(orgs.id, documents.orgId))
    .leftJoin(contacts, eq(contacts.id, documents.contactId))
    .leftJoin(users, eq(users.id, documents.createdBy))
    .where(eq(documents.id, room.documentId));
  if (!head) return {};
  const last =
    (audience === 'contractor' ? head.document.notifiedContractorAt : head.document.notifiedRecipientAt) ?? 0;
  if (now < last + DIGEST_EVERY_MS) return { retryAt: last + DIGEST_EVERY_MS };
  const fromSide = audience === 'contractor' ? 'recipient' : 'contractor';
  const news = await db
    .select()
    .from(comments)
    .where(
      and(
        // Org first: the comments_doc_time index (issue 19; without it every comment ever made was read).
        eq(comments.orgId, room.orgId),
        eq(comments.documentId, room.documentId),
        eq(comments.side, fromSide),
        gt(comments.createdAt, cursor ?? last),
      ),
    )
    .orderBy(asc(comments.createdAt));
  if (!news.length) return {};
  const to = audience === 'contractor' ? head.creator : head.contact;
  if (!to?.email) return {};
  if (audience === 'recipient' && !(await linkStillGiven(db, head.document, head.contact!))) return {};
  const link =
    audience === 'contractor'
      ? `${room.origin}/documents/${room.documentId}`
      : await portalLink(env, room.origin, head.contact!, room.documentId, head.org.portalLinkDays);
  const who = [...new Set(news.map((c) => c.authorName))].join(', ');
  const number = head.document.number;
  const heading = `${news.length === 1 ? 'New comment' : `${news.length} new comments`} on ${number}`;
  const mail = renderMail({
    brand: {
      companyName: head.org.name,
      brandColor: head.org.brandColor,
      address: head.org.address.replace(/\n/g, ', '),
      phone: head.org.phone,
      email: head.org.email,
    },
    heading,
    paragraphs: [`${who} wrote:`],
    quote: news.map((c) => `${c.authorName}: ${c.body}`).join('\n\n'),
    button: { label: audience === 'contractor' ? 'Open the document' : 'Reply in the portal', href: link },
    footnote: 'You get at most one email per document every 10 minutes; newer comments wait for the next one.',
  });
  await db.batch([
    queueMail(
      db,
      {
        orgId: head.org.id,
        documentId: room.documentId,
        kind: 'comments',
        to: { email: to.email, name: to.name ?? '' },
        fromName: head.org.name,
        replyTo: null,
        subject: `${heading} from ${audience === 'contractor' ? who : head.org.name}`,
        ...mail,
      },
      now,
    ),
    db
      .update(documents)
      .set(audience === 'contractor' ? { notifiedContractorAt: now } : { notifiedRecipientAt: now })
      .where(eq(documents.id, room.documentId)),
  ]);
  return { sentThrough: news[news.length - 1].createdAt };
}
