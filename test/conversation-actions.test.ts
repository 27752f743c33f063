import { env } from 'cloudflare:workers';
import { and, eq, isNull } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { postComment, removeFile, shareFiles, type ConversationTarget } from '../src/conversation/actions';
import { activity, comments, files } from '../src/db/schema';
import { NotFound, Refused, TooMany } from '../src/errors';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { Browser, db } from './helpers';

// The conversation's verbs called directly (no HTTP), and the double clicks of its routes.

const PDF = new TextEncoder().encode('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const pdfFile = (name = 'plan.pdf') => new File([PDF as BlobPart], name, { type: 'application/pdf' });

let co: Awaited<ReturnType<typeof companyWithBudget>>;
let docId: string;
let jobId: string;
let orgId: string;
let recipient: Browser;

const contractor = (): ConversationTarget => ({
  room: { orgId, documentId: docId, jobId, timeZone: 'UTC', origin: 'http://localhost' },
  actor: { side: 'contractor', userId: co.userId, name: 'Owner' },
  sideLabel: 'Oak',
  maxBytes: 10 * 1024 * 1024,
});

beforeAll(async () => {
  co = await companyWithBudget({ company: 'Conversation Co' });
  docId = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
  const { link } = await sendDocument(co.browser, docId);
  recipient = new Browser();
  expect((await recipient.get(link)).status).toBe(303);
  const doc = await db().query.documents.findFirst({ where: (d, { eq }) => eq(d.id, docId) });
  jobId = doc!.jobId;
  orgId = doc!.orgId;
});

describe('postComment', () => {
  it('commits the comment and its timeline line in the room, with the next sequence number', async () => {
    const before = await db().$count(activity, eq(activity.documentId, docId));
    const result = await postComment(env, contractor(), 'Straight from the action.');
    expect(result.seq).toBe(before + 1);
    const [row] = await db().select().from(comments).where(eq(comments.id, result.id));
    expect(row.body).toBe('Straight from the action.');
    expect(row.side).toBe('contractor');
  });

  it('refuses an empty or oversized comment with the field named, and writes nothing', async () => {
    const before = await db().$count(comments, eq(comments.documentId, docId));
    await expect(postComment(env, contractor(), '')).rejects.toMatchObject({ field: 'comment', code: 'refused' });
    const long = postComment(env, contractor(), 'x'.repeat(5001));
    await expect(long).rejects.toBeInstanceOf(Refused);
    await expect(long).rejects.toThrow(/at most 5,000 characters/);
    expect(await db().$count(comments, eq(comments.documentId, docId))).toBe(before);
  });
});

describe('shareFiles and removeFile', () => {
  it('stores each checked file in R2 and D1; a refused batch stores nothing', async () => {
    const stored = await shareFiles(env, db(), contractor(), [pdfFile('a.pdf'), pdfFile('b.pdf')]);
    expect(stored.map((s) => s.name)).toEqual(['a.pdf', 'b.pdf']);
    for (const s of stored) {
      const [row] = await db().select().from(files).where(eq(files.id, s.id));
      expect(await env.FILES.head(row.r2Key)).not.toBeNull();
    }
    const before = await db().$count(files, eq(files.documentId, docId));
    const fake = new File([new TextEncoder().encode('MZ\u0000\u0000not a pdf') as BlobPart], 'evil.pdf');
    await expect(shareFiles(env, db(), contractor(), [pdfFile('ok.pdf'), fake])).rejects.toBeInstanceOf(Refused);
    await expect(shareFiles(env, db(), contractor(), [])).rejects.toMatchObject({ field: 'upload' });
    expect(await db().$count(files, eq(files.documentId, docId))).toBe(before);
  });

  it('removes a file once; a second removal, or another contact, finds nothing', async () => {
    const [one] = await shareFiles(env, db(), contractor(), [pdfFile('gone.pdf')]);
    const [row] = await db().select().from(files).where(eq(files.id, one.id));
    const stranger: ConversationTarget = {
      ...contractor(),
      actor: { side: 'recipient', contactId: 'someoneelse0000000000000', name: 'Nobody' },
    };
    await expect(removeFile(env, stranger, one.id)).rejects.toBeInstanceOf(NotFound);
    await removeFile(env, contractor(), one.id);
    expect(await env.FILES.head(row.r2Key)).toBeNull();
    await expect(removeFile(env, contractor(), one.id)).rejects.toBeInstanceOf(NotFound);
  });

  it('counts uploads per user and refuses past the hourly limit', async () => {
    const busy: ConversationTarget = {
      ...contractor(),
      actor: { ...contractor().actor, userId: 'busyuser000000000000000' },
    };
    const key = `upload:contractor:${orgId}:busyuser000000000000000`;
    await env.DB.prepare('INSERT INTO rate_limits (key, window_start, count) VALUES (?, ?, 60)')
      .bind(key, Date.now())
      .run();
    await expect(shareFiles(env, db(), busy, [pdfFile()])).rejects.toBeInstanceOf(TooMany);
  });

  it('a draft has no conversation yet', async () => {
    const draft = await createDocument(co.browser, co.jobId, 'proposal', { all: '1' });
    const res = await co.browser.post(`/documents/${draft}/comments`, { body: 'too early' });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('The conversation starts once the document is sent.');
  });
});

describe('double clicks on the conversation routes', () => {
  it('8 concurrent removals of one file: one removes it, the others answer 404, one timeline line', async () => {
    const [one] = await shareFiles(env, db(), contractor(), [pdfFile('twice.pdf')]);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        co.browser.post(`/documents/${docId}/files/${one.id}/remove`, { confirm: 'yes' }),
      ),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([303, 404, 404, 404, 404, 404, 404, 404]);
    const removed = await db()
      .select()
      .from(activity)
      .where(and(eq(activity.documentId, docId), eq(activity.action, 'file_removed')));
    expect(removed.filter((r) => r.data?.includes(one.id))).toHaveLength(1);
    const still = await db()
      .select()
      .from(files)
      .where(and(eq(files.id, one.id), isNull(files.removedAt)));
    expect(still).toHaveLength(0);
  });

  it('8 concurrent comments from one form: 8 comments, gapless sequence, no 5xx', async () => {
    const before = await db().$count(activity, eq(activity.documentId, docId));
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        recipient.post(`/portal/documents/${docId}/comments`, { body: `again ${i}` }),
      ),
    );
    expect(answers.every((r) => r.status === 303)).toBe(true);
    const seqs = (await db().select({ seq: activity.seq }).from(activity).where(eq(activity.documentId, docId)))
      .map((r) => r.seq!)
      .sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: before + 8 }, (_, i) => i + 1));
  });

  it('8 concurrent views of the portal page: 8 views logged, status moves to viewed once', async () => {
    const fresh = await createDocument(co.browser, co.jobId, 'proposal', { all: '1' });
    const { link } = await sendDocument(co.browser, fresh);
    const viewer = new Browser();
    expect((await viewer.get(link)).status).toBe(303);
    const pages = await Promise.all(Array.from({ length: 8 }, () => viewer.get(`/portal/documents/${fresh}`)));
    expect(pages.every((p) => p.status === 200)).toBe(true);
    await expect
      .poll(async () => db().$count(activity, and(eq(activity.documentId, fresh), eq(activity.action, 'viewed'))), {
        timeout: 10_000,
      })
      .toBe(8);
    const doc = await db().query.documents.findFirst({ where: (d, { eq }) => eq(d.id, fresh) });
    expect(doc!.status).toBe('viewed');
  });
});
