import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { extractText, getDocumentProxy } from 'unpdf';
import { beforeAll, describe, expect, it } from 'vitest';
import { money } from '../views/format';
import { contacts, documentLines, documents, documentVersions, signatures } from '../src/db/schema';
import { createId } from '../src/db/ids';
import { portalLink } from '../src/portal/links';
import { chosenTotals } from '../src/documents/selection';
import { runReminders } from '../src/reminders/run';
import type { DocumentSnapshot } from '../src/documents/snapshot';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { BASE, Browser, db, uniqueEmail } from './helpers';
import { unescape } from './pages';
import { addRecipients, versionHashFor } from './people-fixtures';
import { editDraft, sentSnapshot } from './portal-fixtures';

// Issue 20, the portal's half of choices: the customer picks options on the portal, the total follows, and
// the first choosing signature binds (and seals) exactly the chosen lines.

let co: Awaited<ReturnType<typeof companyWithBudget>>;
let other: Awaited<ReturnType<typeof companyWithBudget>>;

beforeAll(async () => {
  co = await companyWithBudget({ company: 'Choice Builders' });
  other = await companyWithBudget({ company: 'Elsewhere Renovations' });
});

/**
 * Marks the current draft's lines straight in D1 (the editor's fields are part A1's): "Remove cabinets"
 * and "Dumpster" are the alternates of "Demolition plan" (Remove cabinets preselected), and the
 * Electrical group (with its two items) is optional.
 */
async function markChoices(documentId: string) {
  const doc = await db().query.documents.findFirst({ where: (t, { eq }) => eq(t.id, documentId) });
  const [draft] = await db()
    .select({ id: documentVersions.id })
    .from(documentVersions)
    .where(and(eq(documentVersions.documentId, documentId), eq(documentVersions.version, doc!.currentVersion)));
  const set = (name: string, values: Partial<typeof documentLines.$inferInsert>) =>
    db()
      .update(documentLines)
      .set(values)
      .where(and(eq(documentLines.versionId, draft.id), eq(documentLines.name, name)));
  await set('Remove cabinets', { choice: 'alternate', choiceSet: 'Demolition plan', preselected: true });
  await set('Dumpster', { choice: 'alternate', choiceSet: 'Demolition plan' });
  await set('Electrical', { choice: 'optional' });
}

/** An estimate of the whole budget offering choices, sent, opened in the customer's browser. */
async function sentWithChoices(kind = 'estimate') {
  const id = await createDocument(co.browser, co.jobId, kind, { all: '1' });
  await markChoices(id);
  const { link } = await sendDocument(co.browser, id);
  const r = new Browser();
  await r.get(link);
  const snapshot = await sentSnapshot(id);
  const line = (name: string) => snapshot.lines.find((l) => l.name === name)!.id;
  const ids = { cabinets: line('Remove cabinets'), dumpster: line('Dumpster'), electrical: line('Electrical') };
  return { id, r, snapshot, ids, hash: await versionHashFor(r, id) };
}

let keys = 0;
const signWith = (browser: Browser, id: string, hash: string, chosen: string[] | null, name = 'Dana Reyes') =>
  browser.post(`/portal/documents/${id}`, {
    intent: 'sign',
    versionHash: hash,
    idempotencyKey: `k-choices-${++keys}-${Date.now()}`,
    name,
    method: 'typed',
    consent: 'yes',
    ...(chosen ? { choices: '1', choose: chosen } : {}),
  });

const versionOf = async (id: string) => {
  const doc = await db().query.documents.findFirst({ where: (t, { eq }) => eq(t.id, id) });
  return (await db().query.documentVersions.findFirst({
    where: (v, { and, eq }) => and(eq(v.documentId, id), eq(v.version, doc!.sentVersion!)),
  }))!;
};
const chosenObjects = async (orgId: string, id: string) =>
  (await env.FILES.list({ prefix: `org/${orgId}/doc/${id}/` })).objects
    .map((o) => o.key)
    .filter((k) => k.includes('-chosen-'));
const totalOf = (s: DocumentSnapshot, chosen: string[]) => money(chosenTotals(s, chosen).total, s.currency);
const pdfText = async (key: string) => {
  const bytes = new Uint8Array(await (await env.FILES.get(key))!.arrayBuffer());
  return (await extractText(await getDocumentProxy(bytes), { mergePages: true })).text.replace(/\s+/g, ' ');
};

describe('choosing on the portal', () => {
  it('shows the choices with the preselection, and "Update total" (a GET) renders the total of the choice asked', async () => {
    const { id, r, snapshot, ids } = await sentWithChoices();
    const page = unescape(await (await r.get(`/portal/documents/${id}`)).text());
    expect(page).toContain('Your choices');
    expect(page).toContain('Demolition plan (choose one)');
    expect(page).toMatch(/<input type="radio" name="choose-0" value="[a-z0-9]+" checked/);
    expect(page).toContain(`Total with these choices`);
    expect(page).toContain(totalOf(snapshot, [ids.cabinets]));
    // The Electrical group adds its two items' totals, shown even before it is ticked.
    const electrical = snapshot.lines
      .filter((l) => l.name === 'Kitchen circuits' || l.name.startsWith('Recessed'))
      .reduce((sum, l) => sum + l.total, 0);
    expect(page).toContain(`adds ${money(electrical, snapshot.currency)}`);
    // The boxes are the sign form's own inputs; "Update total" posts them to /choose.
    expect(page).toMatch(new RegExp(`name="choose-0" value="${ids.cabinets}" checked[^>]*form="sign-form"`));
    expect(page).toMatch(new RegExp(`<button[^>]*form="sign-form" formaction="/portal/documents/${id}/choose"`));

    const asked = await r.get(`/portal/documents/${id}?choose=${ids.electrical}&choose-0=${ids.dumpster}`);
    expect(asked.status).toBe(200);
    const shown = unescape(await asked.text());
    expect(shown).toContain(totalOf(snapshot, [ids.dumpster, ids.electrical]));
    expect(shown).toContain(`value="${ids.electrical}" checked`);
    expect(shown).toContain(`value="${ids.dumpster}" checked`);
    expect(shown).toMatch(new RegExp(`value="${ids.dumpster}" checked[^>]*form="sign-form"`));
    expect(shown).toMatch(new RegExp(`value="${ids.electrical}" checked[^>]*form="sign-form"`));
  });

  it('a bad choice in the address is refused with its message (422), never a 500', async () => {
    const { id, r, ids } = await sentWithChoices();
    const cases: [string, string][] = [
      [`choose=nosuchline&choose-0=${ids.cabinets}`, 'One of the options you chose is not on this document.'],
      [`choose=${ids.cabinets}&choose=${ids.dumpster}`, 'Choose only one option for “Demolition plan”.'],
      [`choose=${ids.electrical}`, 'Choose one option for “Demolition plan”.'],
      [`choose=${'x'.repeat(5000)}`, 'One of the options you chose is not on this document.'],
    ];
    for (const [query, message] of cases) {
      const res = await r.get(`/portal/documents/${id}?${query}`);
      expect(res.status, query.slice(0, 60)).toBe(422);
      expect(unescape(await res.text())).toContain(message);
    }
  });

  it('signing with a bad choice is refused on the choices (422), nothing written and no PDF left', async () => {
    const { id, r, hash, ids } = await sentWithChoices();
    // null: a form without the choices at all (a page saved before they were offered, a hand-made post).
    const bad: [string[] | null, string][] = [
      [['nosuchline', ids.cabinets], 'One of the options you chose is not on this document.'],
      [[ids.cabinets, ids.dumpster], 'Choose only one option for “Demolition plan”.'],
      [[], 'Choose one option for “Demolition plan”.'],
      [null, 'Choose one option for “Demolition plan”.'],
    ];
    for (const [chosen, message] of bad) {
      const res = await signWith(r, id, hash, chosen);
      expect(res.status).toBe(422);
      const page = unescape(await res.text());
      expect(page).toContain(message);
      expect(page).toMatch(/id="choices" role="alert"/);
    }
    expect(await db().$count(signatures, eq(signatures.documentId, id))).toBe(0);
    expect((await versionOf(id)).selection).toBeNull();
    expect(await chosenObjects(co.orgId, id)).toEqual([]);
  });

  it('signing binds the choice: the selection, its PDF and hash; the sealed PDF holds exactly the chosen lines', async () => {
    const { id, r, hash, ids, snapshot } = await sentWithChoices();
    const res = await signWith(r, id, hash, [ids.electrical, ids.dumpster]);
    expect(res.status).toBe(303);
    const v = await versionOf(id);
    expect(JSON.parse(v.selection!)).toMatchObject({ chosen: [ids.dumpster, ids.electrical], by: 'Dana Reyes' });
    expect(v.selectedPdfSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(v.selectedPdfSha256).not.toBe(v.pdfSha256);
    const [sig] = await db().select().from(signatures).where(eq(signatures.documentId, id));
    expect(sig.unsignedPdfSha256).toBe(v.selectedPdfSha256);
    expect(await chosenObjects(co.orgId, id)).toEqual([v.selectedPdfKey]);
    const chosen = JSON.parse(v.selectedSnapshot!) as DocumentSnapshot;
    expect(chosen.lines.map((l) => l.name)).toEqual([
      'Demolition',
      'Dumpster',
      'Electrical',
      'Kitchen circuits',
      'Recessed lights — Zürich “LED”',
    ]);
    expect(chosen.totals.total).toBe(chosenTotals(snapshot, [ids.dumpster, ids.electrical]).total);
    expect(chosen.chosen).toMatchObject({ by: 'Dana Reyes', sets: [{ name: 'Demolition plan', chosen: 'Dumpster' }] });
    expect((await db().query.documents.findFirst({ where: (t, { eq }) => eq(t.id, id) }))?.status).toBe('approved');

    await expect
      .poll(async () => (await db().select().from(signatures).where(eq(signatures.id, sig.id)))[0].sealedPdfKey, {
        timeout: 20_000,
        interval: 100,
      })
      .toBeTruthy();
    const [sealed] = await db().select().from(signatures).where(eq(signatures.id, sig.id));
    const text = await pdfText(sealed.sealedPdfKey!);
    expect(text).toContain('Dumpster');
    expect(text).toContain('Kitchen circuits');
    expect(text).not.toContain('Remove cabinets');
    expect(text).toContain(money(chosen.totals.total, chosen.currency));
    expect(text).toContain('Options chosen by Dana Reyes: Electrical; Demolition plan: Dumpster.');
    expect(text).toContain(`Signed the version whose unsigned PDF has SHA-256 ${v.selectedPdfSha256}`);

    // The portal now shows who chose, read only, and the document as chosen.
    const after = unescape(await (await r.get(`/portal/documents/${id}`)).text());
    expect(after).toContain('Chosen by Dana Reyes');
    expect(after).not.toContain('Update total');
    expect(after).not.toContain('>Remove cabinets<');
  });

  it('a change order approved with a choice adds only the chosen lines to the budget', async () => {
    const { id, r, hash, ids } = await sentWithChoices('change_order');
    expect((await signWith(r, id, hash, [ids.dumpster])).status).toBe(303);
    const group = await db().query.costGroups.findFirst({ where: (g, { eq }) => eq(g.sourceDocumentId, id) });
    const items = await db().query.costItems.findMany({ where: (t, { eq }) => eq(t.groupId, group!.id) });
    expect(items.map((i) => i.name)).toEqual(['Dumpster']);
  });

  it('a second signer signs the same choice: a different one is 409, the same or none signs', async () => {
    const { id, r, hash, ids } = await sentWithChoices();
    const [sam] = await addRecipients(id, [{ name: 'Sam Patel', email: uniqueEmail('sam') }], {
      contractor: co.browser,
    });
    expect((await signWith(r, id, hash, [ids.dumpster])).status).toBe(303);
    const samPage = unescape(await (await sam.browser.get(`/portal/documents/${id}`)).text());
    expect(samPage).toContain('Chosen by Dana Reyes');
    expect(samPage).toContain('you sign this choice');
    expect(samPage).not.toMatch(/name="choose[^>]*form="sign-form"/);
    const samHash = await versionHashFor(sam.browser, id);
    const different = await signWith(sam.browser, id, samHash, [ids.cabinets, ids.electrical], 'Sam Patel');
    expect(different.status).toBe(409);
    expect(unescape(await different.text())).toContain('Dana Reyes already chose the options of this document.');
    expect(await db().$count(signatures, eq(signatures.documentId, id))).toBe(1);
    expect(await chosenObjects(co.orgId, id)).toHaveLength(1);
    const same = await signWith(sam.browser, id, samHash, null, 'Sam Patel');
    expect(same.status).toBe(303);
    const v = await versionOf(id);
    const rows = await db().select().from(signatures).where(eq(signatures.documentId, id));
    expect(rows.map((s) => s.unsignedPdfSha256)).toEqual([v.selectedPdfSha256, v.selectedPdfSha256]);
  });

  it('two first signers at once: one selection, the loser refused (409) and its PDF gone from R2', async () => {
    const { id, r, hash, ids } = await sentWithChoices();
    const [sam] = await addRecipients(id, [{ name: 'Sam Patel', email: uniqueEmail('sam') }], {
      contractor: co.browser,
    });
    const samHash = await versionHashFor(sam.browser, id);
    const answers = await Promise.all([
      signWith(r, id, hash, [ids.dumpster]),
      signWith(sam.browser, id, samHash, [ids.cabinets, ids.electrical], 'Sam Patel'),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([303, 409]);
    const loser = answers.find((a) => a.status === 409)!;
    expect(unescape(await loser.text())).toContain('already chose the options of this document');
    const v = await versionOf(id);
    expect(v.selection).not.toBeNull();
    expect(await chosenObjects(co.orgId, id)).toEqual([v.selectedPdfKey]);
    expect(await db().$count(signatures, eq(signatures.documentId, id))).toBe(1);
  });

  it('a contact not on the document, or of another company, cannot choose: nothing written, no PDF left', async () => {
    const { id, hash, ids } = await sentWithChoices();
    const doc = await db().query.documents.findFirst({ where: (t, { eq }) => eq(t.id, id) });
    // Another person of the same household, never sent this document.
    const lee = {
      id: createId(),
      orgId: co.orgId,
      accountId: doc!.accountId!,
      name: 'Lee Park',
      email: uniqueEmail('lee'),
    };
    await db()
      .insert(contacts)
      .values({ ...lee, createdAt: Date.now() });
    const leeBrowser = new Browser();
    await leeBrowser.get(new URL(await portalLink(env, BASE, { ...lee, accessVersion: 1 }, id, 30)).pathname);
    const refused = await signWith(leeBrowser, id, hash, [ids.dumpster], 'Lee Park');
    expect(refused.status).toBe(422);
    expect(unescape(await refused.text())).toContain('You are not asked to sign this document.');
    // The other company's customer: the document does not exist for them.
    const stranger = new Browser();
    const { link } = await sendDocument(
      other.browser,
      await createDocument(other.browser, other.jobId, 'estimate', { all: '1' }),
    );
    await stranger.get(link);
    expect((await signWith(stranger, id, hash, [ids.dumpster], 'Someone')).status).toBe(404);
    // Signed out: no portal session at all.
    expect((await signWith(new Browser(), id, hash, [ids.dumpster], 'Nobody')).status).toBe(404);
    expect(await db().$count(signatures, eq(signatures.documentId, id))).toBe(0);
    expect((await versionOf(id)).selection).toBeNull();
    expect(await chosenObjects(co.orgId, id)).toEqual([]);
  });

  it('a revision while choosing: the sign is stale (409), the choice is not carried, and the page says so', async () => {
    const { id, r, hash, ids } = await sentWithChoices();
    expect((await co.browser.post(`/documents/${id}/revise`)).status).toBe(303);
    await markChoices(id);
    await sendDocument(co.browser, id);
    const stale = await signWith(r, id, hash, [ids.dumpster, ids.electrical]);
    expect(stale.status).toBe(409);
    const page = unescape(await stale.text());
    expect(page).toContain('This document was revised; please review the new version.');
    expect(page).toContain('was revised while you were choosing. Your choices start again from');
    const v2 = await sentSnapshot(id);
    const cabinets = v2.lines.find((l) => l.name === 'Remove cabinets')!.id;
    const chosenInForm = [...page.matchAll(/value="([a-z0-9]+)" checked[^>]*form="sign-form"/g)].map((m) => m[1]);
    expect(chosenInForm).toEqual([cabinets]);
    expect(await db().$count(signatures, eq(signatures.documentId, id))).toBe(0);
    expect(await chosenObjects(co.orgId, id)).toEqual([]);
    // The changes view says what changed since the version they opened.
    expect(page).toContain('rev 2');
  });
});

describe('review fixes', () => {
  it('without scripts the sign form posts the ticked boxes and radios themselves (a plain form post)', async () => {
    const { id, r, hash, ids } = await sentWithChoices();
    // What a browser posts for the sign form: its fields, the ticked box (`choose`) and the set's radio.
    const res = await r.post(`/portal/documents/${id}`, {
      intent: 'sign',
      versionHash: hash,
      idempotencyKey: `k-plain-${Date.now()}`,
      name: 'Dana Reyes',
      method: 'typed',
      consent: 'yes',
      choices: '1',
      choose: ids.electrical,
      'choose-0': ids.dumpster,
    });
    expect(res.status).toBe(303);
    const v = await versionOf(id);
    expect(JSON.parse(v.selection!).chosen.sort()).toEqual([ids.dumpster, ids.electrical].sort());
    // An address carrying the sign form's other fields (an old "Update total"): they are ignored.
    const asked = await new Browser().get(`/portal/documents/${id}?choices=1&intent=sign&choose-0=${ids.dumpster}`);
    expect(asked.status).not.toBe(500);
  });

  it('"Update total" posts the sign form to /choose: the answer is the address of the choice alone', async () => {
    const { id, r, snapshot, ids } = await sentWithChoices();
    const form = { intent: 'sign', name: 'Dana Reyes', choices: '1', choose: ids.electrical, 'choose-0': ids.dumpster };
    // Two clicks at once: both answered with the same address; nothing is written.
    const [res, again] = await Promise.all([
      r.post(`/portal/documents/${id}/choose`, form),
      r.post(`/portal/documents/${id}/choose`, form),
    ]);
    expect([res.status, again.status]).toEqual([303, 303]);
    const to = new URL(res.headers.get('Location')!, BASE);
    expect(again.headers.get('Location')).toBe(res.headers.get('Location'));
    expect(to.pathname).toBe(`/portal/documents/${id}`);
    expect(to.searchParams.getAll('choose').sort()).toEqual([ids.dumpster, ids.electrical].sort());
    // The form's token and the typed name never reach the address.
    expect(
      [
        ...new Set(
          to.search
            .slice(1)
            .split('&')
            .map((p) => p.split('=')[0]),
        ),
      ].sort(),
    ).toEqual(['choices', 'choose']);
    const shown = unescape(await (await r.get(`${to.pathname}${to.search}`)).text());
    expect(shown).toContain(totalOf(snapshot, [ids.dumpster, ids.electrical]));
    expect((await versionOf(id)).selection).toBeNull();
    // A visitor without the portal session: the stranger's 404.
    expect((await new Browser().post(`/portal/documents/${id}/choose`, form)).status).toBe(404);
    // An id that is not on the document: the page it leads to says so, without a 500.
    const bad = await r.post(`/portal/documents/${id}/choose`, { ...form, choose: 'nope' });
    const refused = await r.get(
      new URL(bad.headers.get('Location')!, BASE).pathname + new URL(bad.headers.get('Location')!, BASE).search,
    );
    expect(refused.status).toBe(422);
    expect(unescape(await refused.text())).toContain('One of the options you chose is not on this document.');
  });

  it('nothing is rendered for a signer whose turn it is not: refused (409), no chosen PDF', async () => {
    const { id, hash, ids } = await sentWithChoices();
    const [sam] = await addRecipients(id, [{ name: 'Sam Patel', email: uniqueEmail('sam') }], {
      order: 'ordered',
      contractor: co.browser,
    });
    // Sam's page has no sign form yet; a post of the version's hash is what a stale tab would send.
    const early = await signWith(sam.browser, id, hash, [ids.dumpster], 'Sam Patel');
    expect(early.status).toBe(409);
    expect(unescape(await early.text())).toMatch(/Waiting for .+ to sign first\./);
    expect(await chosenObjects(co.orgId, id)).toEqual([]);
    expect((await versionOf(id)).selection).toBeNull();
  });

  it('the contractor countersigns what the customer chose: its PDF to review, and the version seals', async () => {
    const { id, r, hash, ids } = await sentWithChoices();
    await db().update(documents).set({ countersign: true }).where(eq(documents.id, id));
    expect((await signWith(r, id, hash, [ids.dumpster, ids.electrical])).status).toBe(303);
    const v = await versionOf(id);
    // The contractor's PDF of the version is the chosen one the customer signed.
    const pdf = await co.browser.get(`/documents/${id}/versions/${v.version}.pdf`);
    expect(pdf.status).toBe(200);
    const bytes = new Uint8Array(await pdf.arrayBuffer());
    const text = (await extractText(await getDocumentProxy(bytes), { mergePages: true })).text;
    expect(text).toContain('Dumpster');
    expect(text).not.toContain('Remove cabinets');
    const page = await (await co.browser.get(`/documents/${id}`)).text();
    const cHash = /id="countersign"[\s\S]*?name="versionHash" value="([0-9a-f]{64})"/.exec(page)![1];
    expect(cHash).toBe(v.pdfSha256);
    const res = await co.browser.post(`/documents/${id}/countersign`, {
      name: 'Sam Carter',
      method: 'typed',
      consent: 'yes',
      versionHash: cHash,
    });
    expect(res.status).toBe(303);
    const rows = async () => db().select().from(signatures).where(eq(signatures.documentId, id));
    expect((await rows()).map((x) => x.unsignedPdfSha256)).toEqual([v.selectedPdfSha256, v.selectedPdfSha256]);
    await expect
      .poll(async () => (await rows()).every((x) => x.sealedAt !== null), { timeout: 20_000, interval: 100 })
      .toBe(true);
    expect((await rows()).map((x) => x.sealError ?? null)).toEqual([null, null]);
  });

  it('after a customer chose, the fresh-link email and a reminder quote the chosen total', async () => {
    const { id, r, hash, ids, snapshot } = await sentWithChoices();
    const [sam] = await addRecipients(id, [{ name: 'Sam Patel', email: uniqueEmail('sam') }], {
      contractor: co.browser,
    });
    expect((await signWith(r, id, hash, [ids.dumpster, ids.electrical])).status).toBe(303);
    const chosen = totalOf(snapshot, [ids.dumpster, ids.electrical]);
    const preselected = money(snapshot.totals.total, snapshot.currency);
    expect(chosen).not.toBe(preselected);
    const mailsOf = async (kind: string) =>
      (await db().query.outbox.findMany({ where: (o, { eq }) => eq(o.documentId, id) }))
        .filter((m) => m.kind === kind)
        .map((m) => unescape(`${m.text}\n${m.html}`));
    // Sam asks for a fresh link from his page (its session names the document).
    expect((await sam.browser.post('/p/fresh-link', {})).status).toBeLessThan(500);
    const fresh = await mailsOf('fresh-link');
    expect(fresh.length).toBeGreaterThan(0);
    for (const m of fresh) {
      expect(m).toContain(chosen);
      expect(m).not.toContain(preselected);
    }
    await runReminders(env, db(), Date.now() + 20 * 86_400_000);
    const reminders = await mailsOf('reminder');
    expect(reminders.length).toBeGreaterThan(0);
    for (const m of reminders) {
      expect(m).toContain(chosen);
      expect(m).not.toContain(preselected);
    }
  });

  it('a revision that changes choices says so in "What changed"', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    const { link } = await sendDocument(co.browser, id);
    const r = new Browser();
    await r.get(link);
    await r.get(`/portal/documents/${id}`);
    expect((await co.browser.post(`/documents/${id}/revise`)).status).toBe(303);
    await markChoices(id);
    await sendDocument(co.browser, id);
    const page = unescape(await (await r.get(`/portal/documents/${id}`)).text());
    const changes = (/<section id="changes"[\s\S]*?<\/section>/.exec(page)?.[0] ?? '').replace(/<[^>]+>/g, ' ');
    expect(changes).toMatch(/Dumpster: now an option of Demolition plan/);
    expect(changes).toMatch(/Remove cabinets: now an option of Demolition plan; now included by default/);
  });
});

describe('the money after a customer chose', () => {
  it('the deposit prompt and invoice, home, the lists and the portal count the chosen total', async () => {
    // A company of its own: its home and lists hold this one document's amounts.
    const own = await companyWithBudget({ company: 'Chosen Money Builders' });
    const id = await createDocument(own.browser, own.jobId, 'estimate', { all: '1' });
    await editDraft(own.browser, id, (fields) => [
      ...fields.filter(([k]) => k !== 'depositKind' && k !== 'depositValue'),
      ['depositKind', 'percent'],
      ['depositValue', '30'],
    ]);
    await markChoices(id);
    const { link } = await sendDocument(own.browser, id);
    const r = new Browser();
    await r.get(link);
    const snapshot = await sentSnapshot(id);
    const line = (name: string) => snapshot.lines.find((l) => l.name === name)!.id;
    const chosenIds = [line('Dumpster'), line('Electrical')];
    expect((await signWith(r, id, await versionHashFor(r, id), chosenIds)).status).toBe(303);
    const chosen = chosenTotals(snapshot, chosenIds);
    const m = (cents: number) => money(cents, snapshot.currency);
    expect(chosen.total).not.toBe(snapshot.totals.total);
    expect(chosen.deposit).not.toBe(snapshot.totals.deposit);
    expect(JSON.parse((await versionOf(id)).selectedSnapshot!).totals.deposit).toBe(chosen.deposit);

    const text = async (browser: Browser, path: string) => unescape(await (await browser.get(path)).text());
    const page = await text(own.browser, `/documents/${id}`);
    expect(page).toContain(`Approved with a deposit of <strong>${m(chosen.deposit)}</strong>`);
    const home = await text(own.browser, '/');
    expect(home).toContain(m(chosen.deposit));
    expect(home).not.toContain(m(snapshot.totals.deposit));
    const list = await text(own.browser, '/documents');
    expect(list).toContain(m(chosen.total));
    expect(list).not.toContain(m(snapshot.totals.total));
    const portal = await text(r, '/portal');
    expect(portal).toContain(m(chosen.total));
    expect(portal).not.toContain(m(snapshot.totals.total));

    // Two clicks at once make one deposit invoice, for the chosen deposit.
    const made = await Promise.all([
      own.browser.post(`/documents/${id}/deposit-invoice`),
      own.browser.post(`/documents/${id}/deposit-invoice`),
    ]);
    expect(made.map((res) => res.status)).toEqual([303, 303]);
    const invoices = await db()
      .select()
      .from(documents)
      .where(and(eq(documents.sourceDocumentId, id), eq(documents.type, 'customer_invoice')));
    expect(invoices).toHaveLength(1);
    const [invoiceLine] = await db()
      .select()
      .from(documentLines)
      .where(and(eq(documentLines.documentId, invoices[0].id), eq(documentLines.kind, 'item')));
    expect(invoiceLine.unitPrice).toBe(chosen.deposit);
  });
});
