// The conversation on a document: through the Worker and its room, then its actions alone.
// One file per area (each describe was a file of its own): every test file loads the app into a fresh
// workerd, seconds apiece, so an area's tests share one load. Each describe keeps its own fixtures.
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { and, count, desc, eq, isNull } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ConversationTarget, postComment, removeFile, shareFiles } from '../src/conversation/actions';
import { activity, comments, files, outbox } from '../src/db/schema';
import { NotFound, Refused, TooMany } from '../src/errors';
import { countingD1, withRoomD1 } from './bindings';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { Browser, db, viaEdge } from './helpers';

describe('the conversation', () => {
  const PNG = Uint8Array.from([
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0,
    31, 21, 196, 137, 0, 0, 0, 10, 73, 68, 65, 84, 120, 156, 99, 0, 1, 0, 0, 5, 0, 1, 13, 10, 45, 180, 0, 0, 0, 0, 73,
    69, 78, 68, 174, 66, 96, 130,
  ]);
  const PDF = new TextEncoder().encode('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

  let co: Awaited<ReturnType<typeof companyWithBudget>>;
  let docId: string;
  let recipient: Browser;

  beforeAll(async () => {
    co = await companyWithBudget();
    docId = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    const { link } = await sendDocument(co.browser, docId);
    recipient = new Browser();
    expect((await recipient.get(link)).status).toBe(303);
  });

  const jsonComment = (b: Browser, path: string, body: string) =>
    b.fetch(path, {
      method: 'POST',
      body: JSON.stringify({ body }),
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        Origin: 'http://localhost',
        'X-CSRF-Token': b.cookies.get('cp_csrf')!,
      },
    });

  async function upload(b: Browser, path: string, parts: { name: string; bytes: Uint8Array; type?: string }[]) {
    const form = new FormData();
    for (const p of parts)
      form.append('files', new File([p.bytes as BlobPart], p.name, { type: p.type ?? 'application/octet-stream' }));
    return b.postMultipart(path, form);
  }

  describe('comments', () => {
    it('both sides comment; the thread shows author, side and escaped text with links', async () => {
      const a = await co.browser.post(`/documents/${docId}/comments`, {
        body: 'Hello Dana,\nsee https://example.com/plan.pdf <script>alert(1)</script>',
      });
      expect(a.status).toBe(303);
      const b = await recipient.post(`/portal/documents/${docId}/comments`, { body: 'Thanks! <b>bold</b>' });
      expect(b.status).toBe(303);
      const page = await (await recipient.get(`/portal/documents/${docId}`)).text();
      // Text is escaped by rendering: '<' and '&' become entities, so no tag can open.
      expect(page).toContain('&lt;script>alert(1)&lt;/script>');
      expect(page).not.toContain('<script>alert(1)');
      expect(page).toContain('<a href="https://example.com/plan.pdf"');
      expect(page).toContain('&lt;b>bold&lt;/b>');
      expect(page).toContain('Oak &amp; Stone Builders');
      const dash = await (await co.browser.get(`/documents/${docId}`)).text();
      expect(dash).toContain('Thanks! &lt;b>bold&lt;/b>');
      expect(dash).toMatch(/customer/);
    });

    it('refuses empty and oversized comments with a clear message and stores nothing', async () => {
      const before = await db().$count(comments);
      const empty = await recipient.post(`/portal/documents/${docId}/comments`, { body: '   ' });
      expect(empty.status).toBe(422);
      expect(await empty.text()).toContain('Write a comment');
      const long = await jsonComment(co.browser, `/documents/${docId}/comments`, 'x'.repeat(5001));
      expect(long.status).toBe(422);
      expect(((await long.json()) as { error: string }).error).toContain('at most 5,000');
      expect(await db().$count(comments)).toBe(before);
    });

    it('refuses a comment from a session that may not see the document', async () => {
      const before = await db().$count(comments);
      const other = await companyWithBudget({ company: 'Other Co' });
      expect((await other.browser.post(`/documents/${docId}/comments`, { body: 'hi' })).status).toBe(404);
      expect((await new Browser().post(`/portal/documents/${docId}/comments`, { body: 'hi' })).status).toBe(404);
      expect(await db().$count(comments)).toBe(before);
    });

    it('200 concurrent comments from both sides: all stored, sequence 1..n without gaps, each broadcast once', async () => {
      const stub = env.DOCUMENT_ROOM.get(env.DOCUMENT_ROOM.idFromName(docId));
      const res = await co.browser.fetch(`/documents/${docId}/live`, { headers: { Upgrade: 'websocket' } });
      expect(res.status).toBe(101);
      const ws = res.webSocket!;
      ws.accept();
      const received: { type: string; seq: number }[] = [];
      ws.addEventListener('message', (m) => {
        if (typeof m.data === 'string' && m.data !== 'pong') received.push(JSON.parse(m.data));
      });
      const startSeq = (await db().select({ n: count() }).from(activity).where(eq(activity.documentId, docId)))[0].n;
      const posts = Array.from({ length: 200 }, (_, i) =>
        i % 2
          ? jsonComment(recipient, `/portal/documents/${docId}/comments`, `r${i}`)
          : jsonComment(co.browser, `/documents/${docId}/comments`, `c${i}`),
      );
      const answers = await Promise.all(posts);
      expect(answers.every((r) => r.status === 201)).toBe(true);
      const rows = await db().select({ seq: activity.seq }).from(activity).where(eq(activity.documentId, docId));
      const seqs = rows.map((r) => r.seq!).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      expect(seqs.length).toBe(startSeq + 200);
      const bodies = await db()
        .select({ n: count() })
        .from(comments)
        .where(and(eq(comments.documentId, docId)));
      expect(bodies[0].n).toBeGreaterThanOrEqual(202);
      await expect.poll(() => received.filter((e) => e.type === 'comment').length, { timeout: 10_000 }).toBe(200);
      const commentSeqs = received.filter((e) => e.type === 'comment').map((e) => e.seq);
      expect(new Set(commentSeqs).size).toBe(200);
      ws.close();
      await runInDurableObject(stub, async () => undefined);
    });

    it('notifies the other side by email at most once per 10 minutes, with every comment since', async () => {
      const fresh = await createDocument(co.browser, co.jobId, 'proposal', { all: '1' });
      const { link } = await sendDocument(co.browser, fresh);
      const r = new Browser();
      await r.get(link);
      await r.post(`/portal/documents/${fresh}/comments`, { body: 'first question' });
      const stub = env.DOCUMENT_ROOM.get(env.DOCUMENT_ROOM.idFromName(fresh));
      await runDurableObjectAlarm(stub);
      await expect
        .poll(async () => await db().$count(outbox, and(eq(outbox.documentId, fresh), eq(outbox.kind, 'comments'))), {
          timeout: 5000,
        })
        .toBe(1);
      await r.post(`/portal/documents/${fresh}/comments`, { body: 'second question' });
      await r.post(`/portal/documents/${fresh}/comments`, { body: 'third question' });
      await runDurableObjectAlarm(stub);
      const mails = await db().query.outbox.findMany({
        where: (o, { and, eq }) => and(eq(o.documentId, fresh), eq(o.kind, 'comments')),
      });
      expect(mails).toHaveLength(1);
      expect(mails[0].toEmail).toBe(co.email);
      expect(mails[0].text).toContain('first question');
      // The next digest waits for the 10-minute window, then carries both later comments.
      await runInDurableObject(stub, async (_room, state) => {
        const { database } = await import('../src/db/client');
        const { documents } = await import('../src/db/schema');
        await database(env.DB)
          .update(documents)
          .set({ notifiedContractorAt: Date.now() - 11 * 60_000 })
          .where(eq(documents.id, fresh));
        await state.storage.setAlarm(Date.now());
      });
      await runDurableObjectAlarm(stub);
      // The alarm may also fire on its own; either way exactly one more digest arrives.
      const digests = () =>
        db().query.outbox.findMany({
          where: (o, { and, eq }) => and(eq(o.documentId, fresh), eq(o.kind, 'comments')),
          orderBy: (o, { asc }) => asc(o.createdAt),
        });
      await expect.poll(async () => (await digests()).length, { timeout: 5000 }).toBe(2);
      const after = await digests();
      expect(after[1].text).toContain('second question');
      expect(after[1].text).toContain('third question');
      expect(after[1].text).not.toContain('first question');
    });
  });

  describe('files', () => {
    it('both sides share files; listed on both sides; downloads are attachments with nosniff', async () => {
      const res = await upload(recipient, `/portal/documents/${docId}/files`, [
        { name: 'site photo.png', bytes: PNG, type: 'image/png' },
        { name: 'invoice.pdf', bytes: PDF },
      ]);
      expect(res.status).toBe(303);
      const rows = await db().select().from(files).where(eq(files.documentId, docId));
      expect(rows.map((r) => r.name).sort()).toEqual(['invoice.pdf', 'site photo.png']);
      for (const r of rows) {
        expect(r.r2Key).toBe(`org/${co.orgId}/doc/${docId}/${r.id}`);
        expect(await env.FILES.head(r.r2Key)).not.toBeNull();
      }
      const png = rows.find((r) => r.name === 'site photo.png')!;
      const dl = await co.browser.get(`/documents/${docId}/files/${png.id}`);
      expect(dl.status).toBe(200);
      expect(dl.headers.get('Content-Disposition')).toMatch(/^attachment;/);
      expect(dl.headers.get('Content-Type')).toBe('image/png');
      expect(dl.headers.get('X-Content-Type-Options')).toBe('nosniff');
      expect(new Uint8Array(await dl.arrayBuffer())).toEqual(PNG);
      const preview = await recipient.get(`/portal/documents/${docId}/files/${png.id}/preview`);
      expect(preview.status).toBe(200);
      const page = await (await co.browser.get(`/documents/${docId}`)).text();
      expect(page).toContain('site photo.png');
      expect(page).toContain(`/documents/${docId}/files/${png.id}/preview`);
    });

    it('refuses a disallowed type renamed to .pdf, an oversized file, a path-y name, and stores nothing', async () => {
      const before = await db().$count(files);
      const objects = (await env.FILES.list()).objects.length;
      const fake = await upload(recipient, `/portal/documents/${docId}/files`, [
        { name: 'virus.pdf', bytes: new TextEncoder().encode('MZ\x90\x00 not a pdf') },
      ]);
      // A recipient's refusal goes back to the document's files with its message (issue 13: the upload's
      // own address carries the CSRF token, so the page is not shown there).
      expect(fake.status).toBe(303);
      expect(fake.headers.get('Location')).toBe(`/portal/documents/${docId}#files`);
      expect(await (await recipient.get(`/portal/documents/${docId}`)).text()).toContain(
        'does not look like a real .pdf',
      );
      const exe = await upload(recipient, `/portal/documents/${docId}/files`, [{ name: 'tool.exe', bytes: PDF }]);
      expect(exe.status).toBe(303);
      expect(exe.headers.get('Location')).toBe(`/portal/documents/${docId}#files`);
      const big = new Uint8Array(26 * 1024 * 1024);
      big.set(PDF);
      const tooBig = await upload(co.browser, `/documents/${docId}/files`, [{ name: 'plans.pdf', bytes: big }]);
      expect(tooBig.status).toBe(422);
      expect(await tooBig.text()).toContain('larger than 25 MB');
      const none = await upload(co.browser, `/documents/${docId}/files`, []);
      expect(none.status).toBe(422);
      expect(await db().$count(files)).toBe(before);
      expect((await env.FILES.list()).objects.length).toBe(objects);
      const pathy = await upload(co.browser, `/documents/${docId}/files`, [
        { name: '../../etc/pa\u0007ss<img src=x onerror=alert(1)>.pdf', bytes: PDF },
      ]);
      expect(pathy.status).toBe(303);
      const row = await db().query.files.findFirst({
        where: (f, { eq }) => eq(f.documentId, docId),
        orderBy: (f, { desc }) => desc(f.createdAt),
      });
      expect(row!.name).toBe('passimg src=x onerror=alert(1).pdf');
      expect(row!.r2Key).not.toContain('etc');
      const page = await (await recipient.get(`/portal/documents/${docId}`)).text();
      expect(page).not.toContain('<img src=x');
    });

    it('20 concurrent uploads: all stored, no orphan objects or rows', async () => {
      const before = await db().$count(files, eq(files.documentId, docId));
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          upload(
            i % 2 ? recipient : co.browser,
            i % 2 ? `/portal/documents/${docId}/files` : `/documents/${docId}/files`,
            [{ name: `photo-${i}.png`, bytes: PNG }],
          ),
        ),
      );
      expect(answers.every((r) => r.status === 303)).toBe(true);
      const rows = await db().select().from(files).where(eq(files.documentId, docId));
      expect(rows.length).toBe(before + 20);
      const keys = new Set(
        (await env.FILES.list({ prefix: `org/${co.orgId}/doc/${docId}/` })).objects.map((o) => o.key),
      );
      const live = rows.filter((r) => r.removedAt === null).map((r) => r.r2Key);
      for (const k of live) expect(keys.has(k)).toBe(true);
      const uploads = [...keys].filter((k) => !/\/v\d+-[0-9a-f]{16}-[a-z0-9]+\.pdf$/.test(k)); // sent versions: v{n}-{sha}-{attempt}.pdf
      expect(uploads.length).toBe(live.length);
    });

    it('the uploader or the contractor removes a file; another recipient cannot; the object is deleted and logged', async () => {
      const rows = await db()
        .select()
        .from(files)
        .where(and(eq(files.documentId, docId), eq(files.side, 'recipient')));
      const mine = rows.find((r) => r.removedAt === null)!;
      const contractorFile = (
        await db()
          .select()
          .from(files)
          .where(and(eq(files.documentId, docId), eq(files.side, 'contractor')))
      )[0];
      const denied = await recipient.post(`/portal/documents/${docId}/files/${contractorFile.id}/remove`);
      expect(denied.status).toBe(404);
      // Issue 13: the recipient is asked first; confirm=yes removes.
      const asked = await recipient.post(`/portal/documents/${docId}/files/${mine.id}/remove`);
      expect(asked.status).toBe(200);
      expect(await env.FILES.head(mine.r2Key)).not.toBeNull();
      const ok = await recipient.post(`/portal/documents/${docId}/files/${mine.id}/remove`, { confirm: 'yes' });
      expect(ok.status).toBe(303);
      expect(await env.FILES.head(mine.r2Key)).toBeNull();
      expect((await recipient.get(`/portal/documents/${docId}/files/${mine.id}`)).status).toBe(404);
      const logged = await db().query.activity.findFirst({
        where: (a, { and, eq }) => and(eq(a.documentId, docId), eq(a.action, 'file_removed')),
      });
      expect(logged?.actorName).toBeTruthy();
      const byContractor = await co.browser.post(`/documents/${docId}/files/${contractorFile.id}/remove`, {
        confirm: 'yes',
      });
      expect(byContractor.status).toBe(303);
    });
  });
});

describe("the conversation's actions", () => {
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

    it('is one batch in the room, the comment and its timeline line, whose insert answers the sequence number (no read after)', async () => {
      const room = countingD1();
      const result = await withRoomD1(docId, room.d1, () => postComment(env, contractor(), 'Counted in the room.'));
      // The comment's own batch (a digest the room's alarm sends meanwhile is a batch of its own).
      const batches = room.calls.filter(
        (c) => c.kind === 'batch' && c.sql.some((q) => q.startsWith('insert into "comments"')),
      );
      expect(batches, room.describe()).toHaveLength(1);
      expect(batches[0].sql, room.describe()).toHaveLength(2);
      expect(batches[0].sql[1]).toMatch(/^insert into "activity".* returning "id", "seq"$/);
      // …and the room reads no position apart from it (a digest the alarm sends reads the activity rows it names).
      const reads = room.calls.filter((c) => c.sql.some((q) => /^select "seq" from "activity"/.test(q)));
      expect(reads, room.describe()).toEqual([]);
      const [line] = await db()
        .select({ seq: activity.seq })
        .from(activity)
        .where(eq(activity.documentId, docId))
        .orderBy(desc(activity.seq))
        .limit(1);
      expect(result.seq).toBe(line.seq);
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

    it('8 concurrent loads from one device are one view; 4 devices at once are 4; status moves to viewed once', async () => {
      const fresh = await createDocument(co.browser, co.jobId, 'proposal', { all: '1' });
      const { link } = await sendDocument(co.browser, fresh);
      const viewer = new Browser();
      expect((await viewer.get(link)).status).toBe(303);
      const views = () => db().$count(activity, and(eq(activity.documentId, fresh), eq(activity.action, 'viewed')));
      const phone = viaEdge('203.0.113.20', { 'User-Agent': 'Mozilla/5.0 (iPhone) TestPhone/1.0' });
      const pages = await Promise.all(
        Array.from({ length: 8 }, () => viewer.fetch(`/portal/documents/${fresh}`, phone)),
      );
      expect(pages.every((p) => p.status === 200)).toBe(true);
      await expect.poll(views, { timeout: 10_000 }).toBe(1);
      // Four other devices at the same moment: each is a view of its own.
      const devices = ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4'];
      const more = await Promise.all(devices.map((ip) => viewer.fetch(`/portal/documents/${fresh}`, viaEdge(ip))));
      expect(more.every((p) => p.status === 200)).toBe(true);
      await expect.poll(views, { timeout: 10_000 }).toBe(5);
      await new Promise((r) => setTimeout(r, 300));
      expect(await views()).toBe(5);
      const doc = await db().query.documents.findFirst({ where: (d, { eq }) => eq(d.id, fresh) });
      expect(doc!.status).toBe('viewed');
    });
  });
});
