// Issue 20, part D: requested files. Asked for at send (and later on the document page), filled from the
// portal through the room, waived by the contractor, and holding back the signature until then.
import { env } from 'cloudflare:workers';
import { and, eq, isNull } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { activity, contacts, fileRequests, files, signatures } from '../src/db/schema';
import { createId } from '../src/db/ids';
import { portalLink } from '../src/portal/links';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { BASE, Browser, db, location, uniqueEmail } from './helpers';
import { addRecipients } from './people-fixtures';
import { fieldError, inputValue } from './pages';

const PDF = new TextEncoder().encode('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

const slotsOf = (documentId: string) =>
  db().select().from(fileRequests).where(eq(fileRequests.documentId, documentId)).orderBy(fileRequests.position);

/** A recipient's upload into a slot, as its form posts it. */
function uploadInto(b: Browser, documentId: string, slotId: string, name = 'w9.pdf') {
  const form = new FormData();
  form.append('slot', slotId);
  form.append('files', new File([PDF as BlobPart], name, { type: 'application/pdf' }));
  return b.postMultipart(`/portal/documents/${documentId}/files`, form);
}

const sign = (b: Browser, documentId: string, hash: string, key: string) =>
  b.post(`/portal/documents/${documentId}/sign`, {
    versionHash: hash,
    idempotencyKey: key,
    name: 'Dana Reyes',
    method: 'typed',
    consent: 'yes',
  });

describe('requested files', () => {
  let co: Awaited<ReturnType<typeof companyWithBudget>>;
  let other: Awaited<ReturnType<typeof companyWithBudget>>;

  /** An estimate sent asking for `fields`' files, opened by its recipient: id, that browser, the version hash. */
  async function sentAsking(fields: Record<string, string>) {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const { link } = await sendDocument(co.browser, id, fields);
    const r = new Browser();
    expect((await r.get(link)).status).toBe(303);
    const page = await (await r.get(`/portal/documents/${id}`)).text();
    const hash = /name="versionHash" value="([0-9a-f]{64})"/.exec(page)?.[1] ?? '';
    return { id, r, page, hash, slots: await slotsOf(id) };
  }

  beforeAll(async () => {
    co = await companyWithBudget();
    other = await companyWithBudget({ company: 'Elsewhere Remodeling' });
  });

  describe('asking at send', () => {
    it('a tapped suggestion and a typed row become the document’s slots, in order', async () => {
      const { slots, page } = await sentAsking({
        'filePick.1': 'on',
        'fileSlot.1.name': 'Proof of permit',
        'fileSlot.1.required': 'optional',
        'fileSlot.2.name': '',
      });
      expect(slots.map((s) => [s.name, s.required, s.position])).toEqual([
        ['W-9', true, 1],
        ['Proof of permit', false, 2],
      ]);
      expect(page).toContain('Files Oak &amp; Stone Builders needs from you');
      expect(page).toContain('Needed before you can sign');
      expect(page).toContain('(optional)');
    });

    it('refuses a name over 80 characters and the same file twice, keeping the form and sending nothing', async () => {
      const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
      const form = await (await co.browser.get(`/documents/${id}/send`)).text();
      expect(form).toContain('Files you need from them');
      const base = {
        name: inputValue(form, 'name')!,
        email: inputValue(form, 'email')!,
        message: 'Please send these',
      };
      const long = await co.browser.post(`/documents/${id}/send`, {
        ...base,
        'fileSlot.1.name': 'x'.repeat(81),
      });
      expect(long.status).toBe(422);
      const longPage = await long.text();
      expect(fieldError(longPage, 'fileSlot.1.name')).toContain('at most 80 characters');
      expect(inputValue(longPage, 'fileSlot.1.name')).toBe('x'.repeat(81));
      const twice = await co.browser.post(`/documents/${id}/send`, {
        ...base,
        'filePick.1': 'on',
        'fileSlot.2.name': 'w-9',
      });
      expect(twice.status).toBe(422);
      const twicePage = await twice.text();
      expect(fieldError(twicePage, 'fileSlot.2.name')).toContain('asked for already');
      expect(twicePage).toMatch(/name="filePick.1" checked/);
      const many: Record<string, string> = { ...base };
      for (let n = 1; n <= 11; n++) many[`fileSlot.${n}.name`] = `Paper ${n}`;
      const tooMany = await co.browser.post(`/documents/${id}/send`, many);
      expect(tooMany.status).toBe(422);
      expect(await tooMany.text()).toContain('Ask for at most 10 files');
      expect(await slotsOf(id)).toEqual([]);
      const doc = await db().query.documents.findFirst({ where: (t, { eq }) => eq(t.id, id) });
      expect(doc?.status).toBe('draft');
    });

    it('a revision keeps the slots; its send page names them and refuses asking again', async () => {
      const { id, slots } = await sentAsking({ 'filePick.0': 'on' });
      expect((await co.browser.post(`/documents/${id}/revise`, {})).status).toBe(303);
      const form = await (await co.browser.get(`/documents/${id}/send`)).text();
      expect(form).toContain('Already asked for: Certificate of insurance.');
      expect(form).not.toContain('name="filePick.0"');
      const again = await co.browser.post(`/documents/${id}/send`, {
        name: inputValue(form, 'name')!,
        email: inputValue(form, 'email')!,
        'fileSlot.1.name': 'certificate of INSURANCE',
      });
      expect(again.status).toBe(422);
      expect(await again.text()).toContain('asked for already');
      expect((await sendDocument(co.browser, id)).link).toBeTruthy();
      expect((await slotsOf(id)).map((s) => s.id)).toEqual(slots.map((s) => s.id));
    });
  });

  describe('the portal checklist and the signature', () => {
    it('signing waits for a required file, names it, and goes through once it is uploaded', async () => {
      const { id, r, page, hash, slots } = await sentAsking({ 'filePick.1': 'on' });
      // The sign form is hidden behind the sentence and a link to the checklist.
      expect(page).toContain('Upload the requested file first: W-9.');
      expect(page).toContain('href="#requested-files"');
      expect(page).toMatch(/<form hidden method="post"/);
      expect(page).toContain(`name="slot" value="${slots[0].id}"`);
      const refused = await sign(r, id, hash, `k-files-${id}`);
      expect(refused.status).toBe(422);
      expect(await refused.text()).toContain('Upload the requested file first: W-9.');
      expect(await db().$count(signatures, eq(signatures.documentId, id))).toBe(0);

      const up = await uploadInto(r, id, slots[0].id);
      expect(up.status).toBe(303);
      expect(location(up)).toBe(`/portal/documents/${id}#requested-files`);
      const [slot] = await slotsOf(id);
      expect(slot.fileId).toBeTruthy();
      const file = await db().query.files.findFirst({ where: (t, { eq }) => eq(t.id, slot.fileId!) });
      expect(file?.name).toBe('w9.pdf');
      expect(await env.FILES.head(file!.r2Key)).not.toBeNull();
      const after = await (await r.get(`/portal/documents/${id}`)).text();
      expect(after).toMatch(/Uploaded by [^<]+ on [^<]+:/);
      expect(after).toContain('For W-9 ·');
      expect(after).not.toContain('Upload the requested file first');

      // The contractor sees it on the document and on its timeline.
      const dash = await (await co.browser.get(`/documents/${id}`)).text();
      expect(dash).toContain('Requested files');
      expect(dash).toContain('uploaded W-9 (w9.pdf)');
      const line = await db().query.activity.findFirst({
        where: (t, { and, eq }) => and(eq(t.documentId, id), eq(t.action, 'file_added')),
      });
      expect(JSON.parse(line!.data!)).toMatchObject({ slot: 'W-9', name: 'w9.pdf' });

      expect((await sign(r, id, hash, `k-files2-${id}`)).status).toBe(303);
      expect(await db().$count(signatures, eq(signatures.documentId, id))).toBe(1);
    });

    it('a waived file no longer holds the signature back; the timeline says who waived it', async () => {
      const { id, r, hash, slots } = await sentAsking({ 'filePick.2': 'on' });
      const waived = await co.browser.post(`/documents/${id}/file-requests/${slots[0].id}/waive`, {});
      expect(waived.status).toBe(303);
      const page = await (await r.get(`/portal/documents/${id}`)).text();
      expect(page).toContain('Not needed any more (waived by Oak &amp; Stone Builders)');
      expect(page).not.toContain(`name="slot" value="${slots[0].id}"`);
      const dash = await (await co.browser.get(`/documents/${id}`)).text();
      expect(dash).toContain('waived Signed lien waiver');
      expect((await sign(r, id, hash, `k-waived-${id}`)).status).toBe(303);
    });

    it('an optional file never holds the signature back', async () => {
      const { id, r, page, hash } = await sentAsking({
        'fileSlot.1.name': 'Photos',
        'fileSlot.1.required': 'optional',
      });
      expect(page).not.toContain('Upload the requested file first');
      expect((await sign(r, id, hash, `k-optional-${id}`)).status).toBe(303);
    });

    it('removing the file that filled a slot opens the slot again', async () => {
      const { id, r, slots } = await sentAsking({ 'filePick.1': 'on' });
      await uploadInto(r, id, slots[0].id);
      const [filled] = await slotsOf(id);
      const gone = await r.post(`/portal/documents/${id}/files/${filled.fileId}/remove`, { confirm: 'yes' });
      expect(gone.status).toBe(303);
      const [slot] = await slotsOf(id);
      expect(slot.fileId).toBeNull();
      expect(await (await r.get(`/portal/documents/${id}`)).text()).toContain('Upload the requested file first: W-9.');
    });
  });

  describe('who may fill a slot', () => {
    it('a contact of the account the document is not sent to reads the checklist but cannot upload', async () => {
      const { id, slots } = await sentAsking({ 'filePick.1': 'on' });
      const contactId = createId();
      await db()
        .insert(contacts)
        .values({
          id: contactId,
          orgId: co.orgId,
          accountId: co.customerId,
          name: 'Robin Reyes',
          email: `robin-${contactId}@example.test`,
          createdAt: Date.now(),
        });
      const link = await portalLink(env, BASE, { id: contactId, accessVersion: 1 }, id, 30);
      const robin = new Browser();
      expect((await robin.get(new URL(link).pathname)).status).toBe(303);
      const page = await (await robin.get(`/portal/documents/${id}`)).text();
      expect(page).toContain('Only the people this document was sent to can upload these files.');
      expect(page).not.toContain(`name="slot" value="${slots[0].id}"`);
      const tried = await uploadInto(robin, id, slots[0].id);
      expect(tried.status).toBe(303);
      expect(location(tried)).toBe(`/portal/documents/${id}#slot-${slots[0].id}`);
      const [slot] = await slotsOf(id);
      expect(slot.fileId).toBeNull();
      expect(await db().$count(files, eq(files.documentId, id))).toBe(0);
    });

    it('signed out, or a recipient of another company, gets the 404 and fills nothing', async () => {
      const { id, slots } = await sentAsking({ 'filePick.1': 'on' });
      const stranger = new Browser();
      await stranger.csrf();
      expect((await uploadInto(stranger, id, slots[0].id)).status).toBe(404);
      const elsewhere = await createDocument(other.browser, other.jobId, 'estimate', {
        group: other.groups.demolition,
      });
      const { link } = await sendDocument(other.browser, elsewhere);
      const theirs = new Browser();
      await theirs.get(link);
      expect((await uploadInto(theirs, id, slots[0].id)).status).toBe(404);
      const [slot] = await slotsOf(id);
      expect(slot.fileId).toBeNull();
    });

    it('another company’s contractor cannot waive, remove or add; a made-up slot is 404', async () => {
      const { id, slots } = await sentAsking({ 'filePick.1': 'on' });
      const path = `/documents/${id}/file-requests`;
      expect((await other.browser.post(`${path}/${slots[0].id}/waive`, {})).status).toBe(404);
      expect((await other.browser.post(`${path}/${slots[0].id}/remove`, {})).status).toBe(404);
      expect((await other.browser.post(path, { slotName: 'Their file' })).status).toBe(404);
      expect((await co.browser.post(`${path}/nosuchslot12345/waive`, {})).status).toBe(404);
      const signedOut = new Browser();
      await signedOut.csrf();
      expect((await signedOut.post(`${path}/${slots[0].id}/waive`, {})).status).toBe(401);
      const [slot] = await slotsOf(id);
      expect(slot.waivedAt).toBeNull();
      expect(await slotsOf(id)).toHaveLength(1);
    });
  });

  describe('the contractor’s page', () => {
    it('asks for another file, refusing a blank, long or repeated name with the form kept; removes an open one', async () => {
      const { id, r } = await sentAsking({ 'filePick.1': 'on' });
      const path = `/documents/${id}/file-requests`;
      const blank = await co.browser.post(path, { slotName: '   ' });
      expect(blank.status).toBe(422);
      expect(fieldError(await blank.text(), 'slotName')).toContain('Name the file you need');
      const long = await co.browser.post(path, { slotName: 'y'.repeat(81) });
      expect(long.status).toBe(422);
      expect(inputValue(await long.text(), 'slotName')).toBe('y'.repeat(81));
      const twice = await co.browser.post(path, { slotName: 'w-9' });
      expect(twice.status).toBe(422);
      expect(fieldError(await twice.text(), 'slotName')).toContain('W-9 is asked for already.'.replace('W-9', 'w-9'));
      const added = await co.browser.post(path, { slotName: 'Signed lien waiver', slotOptional: 'on' });
      expect(added.status).toBe(303);
      const slots = await slotsOf(id);
      expect(slots.map((s) => [s.name, s.required])).toEqual([
        ['W-9', true],
        ['Signed lien waiver', false],
      ]);
      expect(await (await r.get(`/portal/documents/${id}`)).text()).toContain('Upload Signed lien waiver');
      expect((await co.browser.post(`${path}/${slots[1].id}/remove`, {})).status).toBe(303);
      expect((await slotsOf(id)).map((s) => s.name)).toEqual(['W-9']);
      const dash = await (await co.browser.get(`/documents/${id}`)).text();
      expect(dash).toContain('asked for Signed lien waiver');
      expect(dash).toContain('stopped asking for Signed lien waiver');
    });

    it('asks for at most 10 files on one document', async () => {
      const { id } = await sentAsking({});
      const path = `/documents/${id}/file-requests`;
      for (let n = 1; n <= 10; n++) expect((await co.browser.post(path, { slotName: `Paper ${n}` })).status).toBe(303);
      const eleventh = await co.browser.post(path, { slotName: 'Paper 11' });
      expect(eleventh.status).toBe(422);
      expect(await eleventh.text()).toContain('Ask for at most 10 files');
      expect(await slotsOf(id)).toHaveLength(10);
    });
  });

  describe('races', () => {
    it('two uploads into one slot at once: one fills it, the other is refused and leaves no file', async () => {
      const { id, r, slots } = await sentAsking({ 'filePick.1': 'on' });
      const answers = await Promise.all([
        uploadInto(r, id, slots[0].id, 'first.pdf'),
        uploadInto(r, id, slots[0].id, 'second.pdf'),
        uploadInto(r, id, slots[0].id, 'third.pdf'),
      ]);
      expect(answers.map((a) => a.status)).toEqual([303, 303, 303]);
      const [slot] = await slotsOf(id);
      const shared = await db()
        .select()
        .from(files)
        .where(and(eq(files.documentId, id), isNull(files.removedAt)));
      expect(shared).toHaveLength(1);
      expect(slot.fileId).toBe(shared[0].id);
      const listed = await env.FILES.list({ prefix: `org/${co.orgId}/doc/${id}/` });
      expect(listed.objects.filter((o) => !o.key.endsWith('.pdf'))).toHaveLength(1);
      const page = await (await r.get(`/portal/documents/${id}`)).text();
      expect(page).toContain('Uploaded by');
    });

    it('a waive and an upload at once: exactly one wins, and the loser writes nothing', async () => {
      const { id, r, slots } = await sentAsking({ 'filePick.1': 'on' });
      const [waive, upload] = await Promise.all([
        co.browser.post(`/documents/${id}/file-requests/${slots[0].id}/waive`, {}),
        uploadInto(r, id, slots[0].id),
      ]);
      const [slot] = await slotsOf(id);
      const shared = await db().$count(files, eq(files.documentId, id));
      expect(Boolean(slot.fileId) !== Boolean(slot.waivedAt)).toBe(true);
      if (slot.fileId) {
        expect(waive.status).toBe(409);
        expect(shared).toBe(1);
      } else {
        expect(waive.status).toBe(303);
        expect(shared).toBe(0);
      }
      expect(upload.status).toBe(303);
      const lines = await db()
        .select({ action: activity.action })
        .from(activity)
        .where(and(eq(activity.documentId, id)));
      const told = lines.filter((l) => l.action === 'file_added' || l.action === 'file_request_waived');
      expect(told).toHaveLength(1);
    });

    it('the same file asked for twice at once makes one slot', async () => {
      const { id } = await sentAsking({});
      const path = `/documents/${id}/file-requests`;
      const answers = await Promise.all([
        co.browser.post(path, { slotName: 'Lien waiver' }),
        co.browser.post(path, { slotName: 'Lien waiver' }),
      ]);
      expect(answers.map((a) => a.status).sort()).toEqual([303, 422]);
      expect((await slotsOf(id)).map((s) => s.name)).toEqual(['Lien waiver']);
    });

    it('two waive clicks at once waive once', async () => {
      const { id, slots } = await sentAsking({ 'filePick.1': 'on' });
      const path = `/documents/${id}/file-requests/${slots[0].id}/waive`;
      const answers = await Promise.all([co.browser.post(path, {}), co.browser.post(path, {})]);
      expect(answers.map((a) => a.status)).toEqual([303, 303]);
      const waives = await db().$count(
        activity,
        and(eq(activity.documentId, id), eq(activity.action, 'file_request_waived')),
      );
      expect(waives).toBe(1);
    });
  });

  describe('a slot removed, a signer removed', () => {
    it('an upload into a slot the contractor removed comes back on the form, naming it, and keeps no file', async () => {
      const { id, r, slots } = await sentAsking({ 'filePick.1': 'on' });
      const w9 = slots[0];
      expect((await co.browser.post(`/documents/${id}/file-requests/${w9.id}/remove`, {})).status).toBe(303);
      const late = await uploadInto(r, id, w9.id);
      expect(late.status).toBe(303);
      expect(location(late)).toBe(`/portal/documents/${id}#files`);
      const page = await (await r.get(`/portal/documents/${id}`)).text();
      expect(page).toContain('W-9 is no longer asked for, so your file was not added.');
      expect(await db().$count(files, eq(files.documentId, id))).toBe(0);
      const kept = (await env.FILES.list({ prefix: `org/${co.orgId}/doc/${id}/` })).objects.map((o) => o.key);
      expect(kept.filter((k) => !k.endsWith('.pdf'))).toEqual([]);
    });

    it('removing the last unsigned signer does not complete the approval while a required file is missing', async () => {
      const { id, r, hash } = await sentAsking({});
      const [sam] = await addRecipients(id, [{ name: 'Sam Patel', email: uniqueEmail('sam') }], {
        contractor: co.browser,
      });
      expect((await sign(r, id, hash, `k-${createId()}`)).status).toBe(303);
      // Asked for after Dana signed: the decision still waits on it.
      expect((await co.browser.post(`/documents/${id}/file-requests`, { slotName: 'W-9' })).status).toBe(303);
      const remove = () => co.browser.post(`/documents/${id}/recipients/${sam.contact.id}/remove`, { confirm: 'yes' });
      const refused = await remove();
      expect(refused.status).toBe(422);
      expect(await refused.text()).toContain('Waive or wait for the requested files first: W-9.');
      const doc = await db().query.documents.findFirst({ where: (t, { eq }) => eq(t.id, id) });
      expect(doc?.status).not.toBe('approved');
      const [w9] = await slotsOf(id);
      expect((await co.browser.post(`/documents/${id}/file-requests/${w9.id}/waive`, {})).status).toBe(303);
      expect((await remove()).status).toBe(303);
      const after = await db().query.documents.findFirst({ where: (t, { eq }) => eq(t.id, id) });
      expect(after?.status).toBe('approved');
    });
  });
});
