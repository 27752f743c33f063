import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { heldSnapshot, holdAtMost, holdSent } from '../src/documents/sent-snapshots';
import type { DocumentSnapshot } from '../src/documents/snapshot';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { editDraft, normalized, openLink } from './portal-fixtures';
import { getDocument } from '../src/documents/queries';
import { Browser, db } from './helpers';

// Issue 19: a sent version's snapshot never changes, so the portal's and the contractor's document pages
// read it from D1 once per isolate (src/documents/sent-snapshots.ts): a batch names the version held and gets
// NULL for it. The contractor's page reads no superseded version's snapshot at all.

/** Rewrites a sent version's stored snapshot behind the app's back: what a read of it would now show. */
async function rewriteStored(documentId: string, title: string) {
  const row = await env.DB.prepare(
    'SELECT v.id, v.snapshot FROM document_versions v JOIN documents d ON d.id = v.document_id AND v.version = d.sent_version WHERE d.id = ?',
  )
    .bind(documentId)
    .first<{ id: string; snapshot: string }>();
  const changed = { ...(JSON.parse(row!.snapshot) as DocumentSnapshot), title };
  await env.DB.prepare('UPDATE document_versions SET snapshot = ? WHERE id = ?')
    .bind(JSON.stringify(changed), row!.id)
    .run();
}

const titleOf = (html: string) => /<h1[^>]*>([\s\S]*?)<\/h1>/.exec(html)?.[1] ?? '';

describe('the portal document page reads a sent snapshot once', () => {
  it('shows the held snapshot on later loads without reading it, and a revision as soon as it is sent', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    await editDraft(co.browser, id, (f) => f.map(([k, v]) => [k, k === 'title' ? 'Kitchen demolition' : v]));
    const { link } = await sendDocument(co.browser, id);
    const { browser: r, html: first } = await openLink(link);
    expect(first).toContain('Kitchen demolition');

    // Were the stored snapshot read again, the page would say so: it is not, the page is the same.
    await rewriteStored(id, 'Read from D1 again');
    const again = await (await r.get(`/portal/documents/${id}`)).text();
    expect(again).not.toContain('Read from D1 again');
    expect(titleOf(again)).toBe(titleOf(first));
    expect(normalized(again)).toContain('Kitchen demolition');

    // A revision is a new version (a new id): the next load reads it, whatever the isolate held.
    expect((await co.browser.post(`/documents/${id}/revise`)).status).toBe(303);
    await editDraft(co.browser, id, (f) => f.map(([k, v]) => [k, k === 'title' ? 'Kitchen, revised' : v]));
    await sendDocument(co.browser, id);
    const revised = await (await r.get(`/portal/documents/${id}`)).text();
    expect(revised).toContain('Kitchen, revised');
    expect(revised).not.toContain('Kitchen demolition');
  });

  it('answers a stranger 404 however the snapshot is held, and loads at once agree', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    await editDraft(co.browser, id, (f) => f.map(([k, v]) => [k, k === 'title' ? 'Basement finish' : v]));
    const { link } = await sendDocument(co.browser, id);
    // The link opened (the session made) but the page not loaded yet: nothing is held for it.
    const r = new Browser();
    expect((await r.get(link)).status).toBe(303);
    expect(heldSnapshot(id)).toBeUndefined();
    // Six loads at once, all before anything is held: each the same page.
    const pages = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const res = await r.get(`/portal/documents/${id}`);
        return { status: res.status, body: normalized(await res.text()) };
      }),
    );
    expect(pages.map((p) => p.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(new Set(pages.map((p) => titleOf(p.body))).size).toBe(1);
    expect(pages[0].body).toContain('Basement finish');
    expect(heldSnapshot(id)?.snapshot.title).toBe('Basement finish'); // the Worker's isolate is the test's

    // Another company's recipient, in their own portal session, asks for it by id: 404, nothing of it shown.
    const other = await companyWithBudget({ company: 'Elsewhere Builders' });
    const theirs = await createDocument(other.browser, other.jobId, 'estimate', { group: other.groups.demolition });
    const { browser: stranger } = await openLink((await sendDocument(other.browser, theirs)).link);
    const res = await stranger.get(`/portal/documents/${id}`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('Basement finish');
  });
});

describe('the contractor’s document page reads one snapshot however often it was revised', () => {
  it('reads the sent one once, and no superseded one', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    await editDraft(co.browser, id, (f) => f.map(([k, v]) => [k, k === 'title' ? 'Deck, first' : v]));
    await sendDocument(co.browser, id);
    const first = await (await co.browser.get(`/documents/${id}`)).text();
    expect(first).toContain('Deck, first');
    await rewriteStored(id, 'Read from D1 again');
    const again = await (await co.browser.get(`/documents/${id}`)).text();
    expect(again).toContain('Deck, first');
    expect(again).not.toContain('Read from D1 again');

    // Revised and sent twice: rev 1 and rev 2 are superseded, and the page's batch reads neither snapshot.
    for (const title of ['Deck, second', 'Deck, third']) {
      expect((await co.browser.post(`/documents/${id}/revise`)).status).toBe(303);
      await editDraft(co.browser, id, (f) => f.map(([k, v]) => [k, k === 'title' ? title : v]));
      await sendDocument(co.browser, id);
    }
    const page = await (await co.browser.get(`/documents/${id}`)).text();
    expect(page).toContain('Deck, third');
    const d = await getDocument(db(), co.orgId, id);
    expect(d!.versions.map((v) => [v.version, v.state, v.snapshot === null])).toEqual([
      [3, 'sent', false],
      [2, 'superseded', true],
      [1, 'superseded', true],
    ]);
    // Their PDFs are the stored ones, and the history still compares them.
    const pdf = await co.browser.get(`/documents/${id}/versions/1.pdf`);
    expect(pdf.status).toBe(200);
    expect(new TextDecoder().decode((await pdf.arrayBuffer()).slice(0, 5))).toBe('%PDF-');
    expect((await co.browser.get(`/documents/${id}/compare?from=1&to=2`)).status).toBe(200);
  });
});

describe('holdSent (src/documents/sent-snapshots.ts)', () => {
  const text = (title: string, pad = 0) => JSON.stringify({ title, lines: [{ id: 'a', note: 'x'.repeat(pad) }] });

  it('holds what was read, parsed once and frozen; NULL for the version held gives it back, for another nothing', () => {
    const one = holdSent('doc-a', 'v1', text('One'), undefined)!;
    const s = one.snapshot;
    expect(s.title).toBe('One');
    expect(one.snapshot).toBe(s);
    expect(Object.isFrozen(s) && Object.isFrozen(s.lines) && Object.isFrozen(s.lines[0])).toBe(true);
    expect(() => {
      (s as { title: string }).title = 'Changed';
    }).toThrow(TypeError);
    const held = heldSnapshot('doc-a');
    expect(held).toBe(one);
    expect(holdSent('doc-a', 'v1', null, held)).toBe(one);
    expect(holdSent('doc-a', 'v2', null, held)).toBeNull();
    expect(holdSent('doc-a', 'v1', null, undefined)).toBeNull();
    // A new version read replaces the old one; a request still holding the old reference keeps its own.
    const two = holdSent('doc-a', 'v2', text('Two'), held)!;
    expect(heldSnapshot('doc-a')).toBe(two);
    expect(holdSent('doc-a', 'v1', null, held)?.snapshot.title).toBe('One');
    expect(heldSnapshot('doc-a')).toBe(two);
  });

  it('drops the least recently shown past its limit', () => {
    const restore = holdAtMost(3_000);
    try {
      for (const d of ['lru-1', 'lru-2', 'lru-3']) holdSent(d, 'v', text(d, 800), undefined);
      // lru-1 shown again: lru-2 is now the least recently shown, and goes when lru-4 comes.
      holdSent('lru-1', 'v', null, heldSnapshot('lru-1'));
      holdSent('lru-4', 'v', text('lru-4', 800), undefined);
      expect(heldSnapshot('lru-2')).toBeUndefined();
      expect(['lru-1', 'lru-3', 'lru-4'].map((d) => heldSnapshot(d)?.snapshot.title)).toEqual([
        'lru-1',
        'lru-3',
        'lru-4',
      ]);
    } finally {
      restore();
    }
  });
});
