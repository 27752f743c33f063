import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  activity,
  costGroups,
  costItems,
  documentLines,
  documents,
  files,
  offlineApprovals,
  orgs,
  outbox,
  reminders,
  signatures,
} from '../src/db/schema';
import { todayIn } from '../src/documents/drafts';
import { chosenTotals } from '../src/documents/selection';
import type { DocumentSnapshot } from '../src/documents/snapshot';
import { money } from '../views/format';
import { companyWithBudget, createDocument, sendDocument, sentToRecipient } from './fixtures';
import { BASE, Browser, db, location, uniqueEmail } from './helpers';
import { createId } from '../src/db/ids';
import { finalizeSignature } from '../src/signing/finalize';
import { recordOfflineApproval } from '../src/signing/offline';
import { fieldError, inputValue, unescape } from './pages';
import { addRecipients, versionHashFor } from './people-fixtures';
import { editDraft, sentSnapshot, statusOf } from './portal-fixtures';

// Issue 20, part E: "Mark as approved" — an approval made offline, recorded by the contractor.

let co: Awaited<ReturnType<typeof companyWithBudget>>;
let other: Awaited<ReturnType<typeof companyWithBudget>>;

beforeAll(async () => {
  co = await companyWithBudget();
  other = await companyWithBudget({ company: 'Elsewhere Renovations' });
});

const TZ = 'America/Chicago';
const today = () => todayIn(TZ);
const PDF = new TextEncoder().encode('%PDF-1.4\n% a signed printout\n%%EOF\n');

const pageOf = async (browser: Browser, id: string) => (await browser.get(`/documents/${id}`)).text();
const hashOnPage = (page: string) =>
  /id="offline-approval"[\s\S]*?name="versionHash" value="([0-9a-f]{64})"/.exec(page)?.[1] ?? '';

/** The form as a person fills it: the page's version hash, and any field overridden. */
async function mark(
  browser: Browser,
  id: string,
  fields: Record<string, string | string[]> = {},
  scan?: { bytes: Uint8Array<ArrayBuffer>; name: string; type: string },
  hash?: string,
) {
  const form = new FormData();
  const values: Record<string, string | string[]> = {
    versionHash: hash ?? hashOnPage(await pageOf(co.browser, id)),
    approverName: 'Pat Patel',
    method: 'paper',
    approvedOn: today(),
    note: 'Signed the printout at the kitchen table.',
    ...fields,
  };
  for (const [k, v] of Object.entries(values)) for (const one of [v].flat()) form.append(k, one);
  if (scan) form.append('scan', new File([scan.bytes], scan.name, { type: scan.type }));
  return browser.postMultipart(`/documents/${id}/offline-approval`, form);
}

const sentVersion = async (id: string) => {
  const doc = await db().query.documents.findFirst({ where: (t, { eq }) => eq(t.id, id) });
  return (await db().query.documentVersions.findFirst({
    where: (v, { and, eq }) => and(eq(v.documentId, id), eq(v.version, doc!.sentVersion!)),
  }))!;
};
const rowsOf = (id: string) => db().select().from(offlineApprovals).where(eq(offlineApprovals.documentId, id));
/** The document's R2 objects other than its versions' PDFs: the scans. */
const scansOf = async (orgId: string, id: string) =>
  (await env.FILES.list({ prefix: `org/${orgId}/doc/${id}/` })).objects
    .map((o) => o.key)
    .filter((k) => !/\/v\d+-[0-9a-f]{16}-\w+\.pdf$/.test(k));

describe('recording an approval made offline', () => {
  it('records who approved, how and when with a scan, moves the status and labels it as recorded', async () => {
    const { id } = await sentToRecipient(co, 'estimate');
    const before = await pageOf(co.browser, id);
    expect(before).toContain('Mark as approved');
    expect(inputValue(before, 'approverName')).toBe('Reyes Household Contact');
    expect(inputValue(before, 'approvedOn')).toBe(today());
    const res = await mark(co.browser, id, {}, { bytes: PDF, name: 'approval.pdf', type: 'application/pdf' });
    expect(res.status).toBe(303);
    expect(location(res)).toBe(`/documents/${id}`);
    expect(await statusOf(id)).toBe('approved');
    const [row] = await rowsOf(id);
    expect(row).toMatchObject({
      approverName: 'Pat Patel',
      method: 'paper',
      approvedOn: today(),
      recordedByName: 'Owner Person',
    });
    // Never a signature: no signature row, no sealed PDF, the reminders cancelled as a decision does.
    expect(await db().$count(signatures, eq(signatures.documentId, id))).toBe(0);
    expect(await db().$count(reminders, and(eq(reminders.documentId, id), eq(reminders.state, 'scheduled')))).toBe(0);
    expect((await co.browser.get(`/documents/${id}/signed.pdf`)).status).toBe(404);
    const [line] = await db()
      .select()
      .from(activity)
      .where(and(eq(activity.documentId, id), eq(activity.action, 'approved_offline')));
    expect(JSON.parse(line.data!)).toMatchObject({
      approver: 'Pat Patel',
      method: 'paper',
      on: today(),
      recordedBy: 'Owner Person',
    });
    const page = unescape(await pageOf(co.browser, id));
    expect(page).toMatch(/Approved on paper by Pat Patel on \w{3} \d{1,2}, \d{4} — recorded by Owner Person/);
    expect(page).toContain('Approved offline');
    // The documents list says so too.
    expect(await (await co.browser.get('/documents')).text()).toContain('Approved offline');
    expect(page).not.toContain('Mark as approved');
    expect(page).not.toContain('Download the signed PDF');
    // The timeline's line names the recorder and says it is not an electronic signature.
    expect(page).toMatch(
      /Owner Person<\/strong> recorded that Pat Patel approved it on paper on [^<]*\(not an electronic signature\)/,
    );
    // The scan is the document's file: the contractor downloads it, and so does the recipient.
    const scan = (await db().select().from(files).where(eq(files.id, row.scanFileId!)))[0];
    const got = await co.browser.get(`/documents/${id}/files/${scan.id}`);
    expect(got.status).toBe(200);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(PDF);
  });

  it('a change order adds only the lines of the options recorded as chosen to the budget', async () => {
    const id = await createDocument(co.browser, co.jobId, 'change_order', { group: co.groups.demolition });
    const lines = await db().select().from(documentLines).where(eq(documentLines.documentId, id));
    const dumpster = lines.find((l) => l.name === 'Dumpster')!;
    await db().update(documentLines).set({ choice: 'optional' }).where(eq(documentLines.id, dumpster.id));
    const { link } = await sendDocument(co.browser, id);
    await new Browser().get(link);
    const page = await pageOf(co.browser, id);
    expect(page).toContain('What the customer chose');
    // An option the document does not have is refused on its field, the form kept.
    const bad = await mark(co.browser, id, { chosen: 'nope' });
    expect(bad.status).toBe(422);
    const body = await bad.text();
    expect(fieldError(body, 'chosen') ?? body).toContain('not on this document');
    expect(await statusOf(id)).not.toBe('approved');
    // Not chosen: only the required line reaches the budget.
    expect((await mark(co.browser, id, { chosen: [] })).status).toBe(303);
    const [group] = await db()
      .select()
      .from(costGroups)
      .where(and(eq(costGroups.jobId, co.jobId), eq(costGroups.sourceDocumentId, id)));
    const items = await db().select().from(costItems).where(eq(costItems.groupId, group.id));
    expect(items.map((i) => i.name)).toEqual(['Remove cabinets']);
  });

  it('a choice recorded offline is the money: the deposit invoice and the contract count the chosen total', async () => {
    const own = await companyWithBudget({ company: 'Offline Choice Builders' });
    const id = await createDocument(own.browser, own.jobId, 'estimate', { all: '1' });
    await editDraft(own.browser, id, (fields) => [
      ...fields.filter(([k]) => k !== 'depositKind' && k !== 'depositValue'),
      ['depositKind', 'percent'],
      ['depositValue', '30'],
    ]);
    // The Electrical group offered and preselected: the sent totals count it, the customer declines it.
    await db()
      .update(documentLines)
      .set({ choice: 'optional', preselected: true })
      .where(and(eq(documentLines.documentId, id), eq(documentLines.name, 'Electrical')));
    const { link } = await sendDocument(own.browser, id);
    await new Browser().get(link);
    const sent = await sentSnapshot(id);
    const hash = hashOnPage(await pageOf(own.browser, id));
    const res = await mark(own.browser, id, { chosen: [] }, undefined, hash);
    expect(res.status).toBe(303);
    const chosen = chosenTotals(sent, []);
    expect(chosen.total).toBeLessThan(sent.totals.total);
    // The version holds the choice and its snapshot of exactly the chosen lines, as a choosing signature makes.
    const version = await sentVersion(id);
    expect(JSON.parse(version.selection!)).toMatchObject({ chosen: [], by: 'Pat Patel' });
    const selected = JSON.parse(version.selectedSnapshot!) as DocumentSnapshot;
    expect(selected.totals).toMatchObject({ total: chosen.total, deposit: chosen.deposit });
    expect(selected.lines.some((l) => l.name === 'Electrical')).toBe(false);
    expect(version.selectedPdfKey).toBeNull();

    // The deposit invoice asks for the chosen deposit.
    const page = unescape(await pageOf(own.browser, id));
    expect(page).toContain(`Approved with a deposit of <strong>${money(chosen.deposit, sent.currency)}</strong>`);
    const made = await own.browser.post(`/documents/${id}/deposit-invoice`);
    expect(made.status).toBe(303);
    const invoiceId = location(made).split('/documents/')[1].split('?')[0];
    const [invoiceLine] = await db()
      .select()
      .from(documentLines)
      .where(and(eq(documentLines.documentId, invoiceId), eq(documentLines.kind, 'item')));
    expect(invoiceLine.unitPrice).toBe(chosen.deposit);

    // A change order sent on the job states the original contract as the chosen total.
    const change = await createDocument(own.browser, own.jobId, 'change_order', { group: own.groups.demolition });
    await sendDocument(own.browser, change);
    expect((await sentSnapshot(change)).contract?.original).toBe(chosen.total);
  });

  it('a change order without options adds all its lines, as a signature would', async () => {
    const { id } = await sentToRecipient(co, 'change_order', { group: co.groups.demolition });
    expect((await mark(co.browser, id)).status).toBe(303);
    const [group] = await db()
      .select()
      .from(costGroups)
      .where(and(eq(costGroups.jobId, co.jobId), eq(costGroups.sourceDocumentId, id)));
    const items = await db().select().from(costItems).where(eq(costItems.groupId, group.id));
    expect(items.map((i) => i.name).sort()).toEqual(['Dumpster', 'Remove cabinets']);
  });

  it('a vendor order is marked accepted', async () => {
    const { id } = await sentToRecipient(co, 'purchase_order', { group: co.groups.electrical }, co.vendorId);
    expect((await mark(co.browser, id, { method: 'phone', approverName: 'Marco Ruiz' })).status).toBe(303);
    expect(await statusOf(id)).toBe('accepted');
    expect(unescape(await pageOf(co.browser, id))).toMatch(/Accepted by phone by Marco Ruiz on/);
  });

  it('several signers: the record decides the whole document, the one who signed stays unsealed', async () => {
    const sent = await sentToRecipient(co, 'estimate');
    await addRecipients(sent.id, [{ name: 'Sam Patel', email: `sam-${Date.now()}@example.test` }], {
      contractor: co.browser,
    });
    const page = unescape(await pageOf(co.browser, sent.id));
    expect(page).toContain('decides the whole document for all 2 signers');
    expect((await mark(co.browser, sent.id)).status).toBe(303);
    expect(await statusOf(sent.id)).toBe('approved');
    expect(unescape(await pageOf(co.browser, sent.id))).not.toContain('Countersign');
  });
});

describe('bad input keeps the form', () => {
  let id: string;
  beforeAll(async () => {
    id = (await sentToRecipient(co, 'estimate')).id;
  });

  const refused = async (res: Response, field: string, message: RegExp) => {
    expect(res.status).toBe(422);
    const body = unescape(await res.text());
    expect(body).toContain('id="offline-approval"');
    expect(body).toMatch(message);
    expect(body).toContain(`id="f-${field}`);
    return body;
  };

  it('an empty name, a future date, a date before the send, an unknown method', async () => {
    const empty = await refused(await mark(co.browser, id, { approverName: '  ' }), 'approverName', /is required/);
    expect(inputValue(empty, 'note')).toBe('Signed the printout at the kitchen table.');
    const tomorrow = new Date(Date.parse(`${today()}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const future = await refused(await mark(co.browser, id, { approvedOn: tomorrow }), 'approvedOn', /future/);
    expect(inputValue(future, 'approverName')).toBe('Pat Patel');
    const yesterday = new Date(Date.parse(`${today()}T12:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    await refused(await mark(co.browser, id, { approvedOn: yesterday }), 'approvedOn', /before the document was sent/);
    await refused(await mark(co.browser, id, { approvedOn: '2026-02-30' }), 'approvedOn', /real date/);
    await refused(await mark(co.browser, id, { method: 'telepathy' }), 'method', /Choose a way it was approved/);
    expect(await rowsOf(id)).toHaveLength(0);
    expect(await statusOf(id)).toBe('viewed');
  });

  it('an odd or oversized scan is refused and nothing is stored', async () => {
    const fake = { bytes: new TextEncoder().encode('not a pdf'), name: 'scan.pdf', type: 'application/pdf' };
    await refused(await mark(co.browser, id, {}, fake), 'scan', /does not look like a real .pdf/);
    const sheet = { bytes: new TextEncoder().encode('a,b\n1,2\n'), name: 'scan.csv', type: 'text/csv' };
    await refused(await mark(co.browser, id, {}, sheet), 'scan', /PDF or an image/);
    await db().update(orgs).set({ maxUploadMb: 1 }).where(eq(orgs.id, co.orgId));
    try {
      const big = new Uint8Array(1024 * 1024 + 10);
      big.set(PDF);
      await refused(
        await mark(co.browser, id, {}, { bytes: big, name: 'big.pdf', type: 'application/pdf' }),
        'scan',
        /larger than 1 MB/,
      );
    } finally {
      await db().update(orgs).set({ maxUploadMb: 25 }).where(eq(orgs.id, co.orgId));
    }
    expect(await rowsOf(id)).toHaveLength(0);
    expect(await scansOf(co.orgId, id)).toEqual([]);
  });

  it('a stale page (the version changed) is 409 and writes nothing', async () => {
    const res = await mark(co.browser, id, {}, undefined, 'a'.repeat(64));
    expect(res.status).toBe(409);
    expect(await rowsOf(id)).toHaveLength(0);
  });
});

describe('who may record it', () => {
  it('another company, the recipient and a signed-out browser are refused', async () => {
    const { id, r } = await sentToRecipient(co, 'estimate');
    const hash = hashOnPage(await pageOf(co.browser, id));
    expect((await mark(other.browser, id, {}, undefined, hash)).status).toBe(404);
    const recipient = await mark(r, id, {}, undefined, hash);
    expect([302, 303, 401, 403]).toContain(recipient.status);
    const stranger = await mark(new Browser(), id, {}, undefined, hash);
    expect([302, 303, 401, 403]).toContain(stranger.status);
    if (stranger.status !== 401) expect(location(stranger)).toMatch(/sign-in|login/);
    expect(await rowsOf(id)).toHaveLength(0);
    expect(await statusOf(id)).toBe('viewed');
  });
});

describe('races', () => {
  it('two marks at once make one record; the other is 409', async () => {
    const { id } = await sentToRecipient(co, 'estimate');
    const hash = hashOnPage(await pageOf(co.browser, id));
    const scan = { bytes: PDF, name: 'approval.pdf', type: 'application/pdf' };
    const answers = await Promise.all([mark(co.browser, id, {}, scan, hash), mark(co.browser, id, {}, scan, hash)]);
    expect(answers.map((r) => r.status).sort()).toEqual([303, 409]);
    expect(await rowsOf(id)).toHaveLength(1);
    expect(await db().$count(activity, and(eq(activity.documentId, id), eq(activity.action, 'approved_offline')))).toBe(
      1,
    );
    // The loser's scan was deleted: one scan object, one file row.
    expect(await db().$count(files, eq(files.documentId, id))).toBe(1);
    const [row] = await db().select().from(files).where(eq(files.documentId, id));
    expect(await scansOf(co.orgId, id)).toEqual([row.r2Key]);
  });

  it('a mark and a portal signature at the same moment: one wins, the other is 409', async () => {
    const { id, r, hash: portalHash } = await sentToRecipient(co, 'estimate');
    const hash = hashOnPage(await pageOf(co.browser, id));
    const [marked, signed] = await Promise.all([
      mark(co.browser, id, {}, undefined, hash),
      r.post(`/portal/documents/${id}/sign`, {
        versionHash: portalHash,
        idempotencyKey: `k-offline-${Date.now()}`,
        name: 'Dana Reyes',
        method: 'typed',
        consent: 'yes',
      }),
    ]);
    const won = [marked.status === 303, signed.status === 303];
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(marked.status === 303 ? signed.status : marked.status).toBe(409);
    expect(await statusOf(id)).toBe('approved');
    const sigs = await db().$count(signatures, eq(signatures.documentId, id));
    expect(sigs + (await rowsOf(id)).length).toBe(1);
  });
});

describe('what the recipient sees', () => {
  it('the portal page shows the recorded label and no sign panel', async () => {
    const { id, r } = await sentToRecipient(co, 'estimate');
    expect(await (await r.get(`/portal/documents/${id}`)).text()).toContain('name="intent" value="sign"');
    const scan = { bytes: PDF, name: 'approval.pdf', type: 'application/pdf' };
    expect((await mark(co.browser, id, { method: 'in_person' }, scan)).status).toBe(303);
    const page = unescape(await (await r.get(`/portal/documents/${id}`)).text());
    expect(page).toMatch(/Marked approved by Oak & Stone Builders \(recorded by Owner Person\): in person, \w{3} \d/);
    expect(page).toContain('Marked approved by Oak & Stone Builders on');
    expect(page).not.toContain('name="intent" value="sign"');
    expect(page).not.toMatch(/Signed by|Approve & sign/);
    const href = /href="(\/portal\/documents\/[a-z0-9]+\/files\/[a-z0-9]+)"[^>]*>Download the recorded scan/.exec(
      page,
    )?.[1];
    expect(href).toBeTruthy();
    expect((await r.get(href!)).status).toBe(200);
  });
});

// The document stays the org's: a foreign id is 404 for the page too, the row is org-scoped.
it('the document row is untouched by another company', async () => {
  const { id } = await sentToRecipient(co, 'estimate');
  await mark(other.browser, id);
  expect((await db().select({ s: documents.status }).from(documents).where(eq(documents.id, id)))[0].s).toBe('viewed');
});

describe('what an approval made offline rules out', () => {
  const signAs = async (r: Browser, id: string) =>
    r.post(`/portal/documents/${id}/sign`, {
      versionHash: await versionHashFor(r, id),
      idempotencyKey: `k-offline-${createId()}`,
      name: 'Dana Reyes',
      method: 'typed',
      consent: 'yes',
    });
  const sealedCount = (id: string) =>
    db().$count(activity, and(eq(activity.documentId, id), eq(activity.action, 'sealed')));

  it('is never sealed: countersigning after removing the last signer is 409, and sealing finds nothing', async () => {
    const sent = await sentToRecipient(co, 'estimate');
    const [sam] = await addRecipients(sent.id, [{ name: 'Sam Patel', email: uniqueEmail('sam') }], {
      countersign: true,
      contractor: co.browser,
    });
    expect((await signAs(sent.r, sent.id)).status).toBe(303);
    const hash = hashOnPage(await pageOf(co.browser, sent.id));
    expect((await mark(co.browser, sent.id, {}, undefined, hash)).status).toBe(303);
    const rm = await co.browser.post(`/documents/${sent.id}/recipients/${sam.contact.id}/remove`, { confirm: 'yes' });
    expect(rm.status).toBe(303);
    const cs = await co.browser.post(`/documents/${sent.id}/countersign`, {
      name: 'Owner Person',
      method: 'typed',
      consent: 'yes',
      versionHash: hash,
    });
    expect(cs.status).toBe(409);
    expect(unescape(await cs.text())).toContain('marked approved offline, so there is nothing to countersign');
    const rows = await db().select().from(signatures).where(eq(signatures.documentId, sent.id));
    expect(rows.map((r) => r.outcome)).toEqual(['signed']);
    // The seal's own entry point (a retry, the cron) leaves the version alone too.
    expect(await finalizeSignature(env, db(), rows[0].id, BASE)).not.toBe('sealed');
    expect(rows[0].sealedAt).toBeNull();
    expect(await sealedCount(sent.id)).toBe(0);
  });

  it('removing the signer whose turn it was emails nobody to sign a document already approved', async () => {
    const sent = await sentToRecipient(co, 'estimate');
    const lee = uniqueEmail('lee');
    const [sam] = await addRecipients(
      sent.id,
      [
        { name: 'Sam Patel', email: uniqueEmail('sam') },
        { name: 'Lee Park', email: lee },
      ],
      { order: 'ordered', contractor: co.browser },
    );
    expect((await signAs(sent.r, sent.id)).status).toBe(303);
    expect((await mark(co.browser, sent.id)).status).toBe(303);
    const rm = await co.browser.post(`/documents/${sent.id}/recipients/${sam.contact.id}/remove`, { confirm: 'yes' });
    expect(rm.status).toBe(303);
    expect(await db().$count(outbox, eq(outbox.toEmail, lee))).toBe(0);
  });

  it('the portal home and job lists label it "Marked approved by …"', async () => {
    const sent = await sentToRecipient(co, 'estimate');
    expect((await mark(co.browser, sent.id)).status).toBe(303);
    const doc = await db().query.documents.findFirst({ where: (t, { eq }) => eq(t.id, sent.id) });
    for (const path of ['/portal', `/portal/jobs/${doc!.jobId}`]) {
      const list = unescape(await (await sent.r.get(path)).text());
      const item = new RegExp(`href="/portal/documents/${sent.id}"[\\s\\S]*?</li>`).exec(list)?.[0] ?? '';
      expect(item).toContain('Marked approved by Oak & Stone Builders on');
    }
  });

  it('an expired estimate says to extend it first, and a mark posted anyway is refused on the date', async () => {
    const { id } = await sentToRecipient(co, 'estimate');
    const hash = hashOnPage(await pageOf(co.browser, id));
    await db().update(documents).set({ deadline: '2026-01-02' }).where(eq(documents.id, id));
    const page = unescape(await pageOf(co.browser, id));
    expect(page).toContain('This estimate expired on Jan 2, 2026. Extend its date first, then mark it approved.');
    expect(page).not.toContain('Mark as approved');
    const res = await mark(co.browser, id, {}, undefined, hash);
    expect(res.status).toBe(422);
    expect(unescape(await res.text())).toContain('Extend its date first');
    expect(await rowsOf(id)).toHaveLength(0);
    expect(await statusOf(id)).toBe('viewed');
  });

  it('a failure after the approval was committed keeps its scan', async () => {
    const { id } = await sentToRecipient(co, 'estimate');
    const hash = hashOnPage(await pageOf(co.browser, id));
    const user = await db().query.users.findFirst({ where: (t, { eq }) => eq(t.orgId, co.orgId) });
    // The room commits, then the answer is lost on the way back (a dropped connection, an evicted isolate).
    const lossy = {
      ...env,
      DOCUMENT_ROOM: {
        idFromName: (n: string) => env.DOCUMENT_ROOM.idFromName(n),
        get: (roomId: DurableObjectId) => ({
          approveOffline: async (input: never) => {
            await env.DOCUMENT_ROOM.get(roomId).approveOffline(input);
            throw new Error('Network connection lost.');
          },
        }),
      },
    } as unknown as typeof env;
    const actor = { side: 'contractor', userId: user!.id, name: user!.name } as const;
    const scan = new File([PDF], 'approval.pdf', { type: 'application/pdf' });
    const input = {
      orgId: co.orgId,
      documentId: id,
      timeZone: TZ,
      origin: BASE,
      versionHash: hash,
      approverName: 'Pat Patel',
      method: 'paper' as const,
      approvedOn: today(),
      note: '',
      chosen: [],
      scan,
    };
    await expect(recordOfflineApproval(lossy, db(), actor, input)).rejects.toThrow('Network connection lost.');
    expect(await rowsOf(id)).toHaveLength(1);
    const [row] = await db().select().from(files).where(eq(files.documentId, id));
    expect(await scansOf(co.orgId, id)).toEqual([row.r2Key]);
  });
});
