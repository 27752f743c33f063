import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { activity, bids, costGroups, costItems, documents, documentVersions, signatures } from '../src/db/schema';
import { database } from '../src/db/client';
import type { Env } from '../src/env';
import worker from '../src/index';
import { finalizeSignature } from '../src/signing/finalize';
import { BASE, Browser, createAccount, db, location, viaEdge } from './helpers';
import { editDraft } from './portal-fixtures';
import { pngDataUrl } from './hostile';
import { companyWithBudget, createDocument, sendDocument, sentToRecipient } from './fixtures';

/** A w×h RGBA PNG, with a dark stroke unless blank. */
async function png(w: number, h: number, blank = false): Promise<Uint8Array> {
  const raw = new Uint8Array(h * (1 + w * 4));
  if (!blank) for (let x = 2; x < w - 2; x++) raw.set([17, 24, 39, 255], Math.floor(h / 2) * (1 + w * 4) + 1 + x * 4);
  const idat = new Uint8Array(
    await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream('deflate'))).arrayBuffer(),
  );
  return Uint8Array.from(atob(pngDataUrl(w, h, idat).split(',')[1]), (ch) => ch.charCodeAt(0));
}
const dataUrl = (b: Uint8Array) => `data:image/png;base64,${btoa(String.fromCharCode(...b))}`;

let co: Awaited<ReturnType<typeof companyWithBudget>>;

beforeAll(async () => {
  co = await companyWithBudget();
});

const sentTo = (kind: string, fields?: Record<string, string>, vendorId?: string) =>
  sentToRecipient(co, kind, fields, vendorId);

const settle = async (id: string) => {
  await expect
    .poll(
      async () => (await db().select().from(signatures).where(eq(signatures.documentId, id)))[0]?.sealedAt ?? null,
      { timeout: 15_000 },
    )
    .not.toBeNull();
};

describe('approve and sign', () => {
  it('shows Review and sign with the consent; a typed signature approves, records consent, and seals a PDF that verifies', async () => {
    const { id, r, page, hash } = await sentTo('estimate');
    expect(page).toContain('Review and sign');
    expect(page).toContain('Consent to do business electronically');
    expect(page).toContain('Approve &amp; sign');
    const noConsent = await r.post(`/portal/documents/${id}/sign`, {
      versionHash: hash,
      idempotencyKey: 'k-noconsent-1',
      name: 'Dana Reyes',
      method: 'typed',
    });
    expect(noConsent.status).toBe(422);
    expect(await db().$count(signatures, eq(signatures.documentId, id))).toBe(0);
    const res = await r.post(`/portal/documents/${id}/sign`, {
      versionHash: hash,
      idempotencyKey: 'k-typed-1',
      name: 'Dana Reyes',
      method: 'typed',
      consent: 'yes',
    });
    expect(res.status).toBe(303);
    const doc = await db().query.documents.findFirst({ where: eq(documents.id, id) });
    expect(doc?.status).toBe('approved');
    const [sig] = await db().select().from(signatures).where(eq(signatures.documentId, id));
    expect(sig).toMatchObject({
      signerName: 'Dana Reyes',
      method: 'typed',
      outcome: 'signed',
      version: 1,
      unsignedPdfSha256: hash,
    });
    expect(sig.consentAt).toBeGreaterThan(0);
    const actions = (await db().select().from(activity).where(eq(activity.documentId, id))).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['consented', 'signed']));
    await settle(id);
    const sealed = await r.get(`/portal/documents/${id}/signed.pdf`);
    expect(sealed.status).toBe(200);
    const bytes = new Uint8Array(await sealed.arrayBuffer());
    const text = new TextDecoder('latin1').decode(bytes);
    expect(text).toContain('/ByteRange');
    expect(text).toContain('ETSI.CAdES.detached');
    const contractorCopy = await co.browser.get(`/documents/${id}/signed.pdf`);
    expect(new Uint8Array(await contractorCopy.arrayBuffer())).toEqual(bytes);
    // The verify page knows the sealed file and refuses a modified copy.
    const form = new FormData();
    form.set('file', new File([bytes as BlobPart], 'signed.pdf', { type: 'application/pdf' }));
    const ok = await new Browser().postMultipart('/verify', form);
    const okText = await ok.text();
    expect(okText).toContain('Verified.');
    expect(okText).toContain('Dana Reyes');
    const changed = bytes.slice();
    changed[200] ^= 1;
    const form2 = new FormData();
    form2.set('file', new File([changed as BlobPart], 'signed.pdf', { type: 'application/pdf' }));
    expect(await (await new Browser().postMultipart('/verify', form2)).text()).toContain(
      'Sealed by us, but changed: the signed bytes no longer match the seal.',
    );
    const mails = await db().query.outbox.findMany({
      where: (o, { and, eq }) => and(eq(o.documentId, id), eq(o.kind, 'signed')),
    });
    expect(mails.map((m) => m.toEmail).sort()).toEqual([co.customerContact.email, co.email].sort());
  });

  it('a drawn signature is stored as a PNG in R2 and recorded with the signer, IP and user agent', async () => {
    const { id, r, hash } = await sentTo('proposal');
    const image = await png(300, 100);
    const res = await r.post(
      `/portal/documents/${id}/sign`,
      {
        versionHash: hash,
        idempotencyKey: 'k-drawn-1',
        name: 'Dana Reyes',
        method: 'drawn',
        signature: dataUrl(image),
        consent: 'yes',
      },
      viaEdge('203.0.113.7', { 'User-Agent': 'TestBrowser/1.0' }), // the address as Cloudflare's edge reports it
    );
    expect(res.status).toBe(303);
    const [sig] = await db().select().from(signatures).where(eq(signatures.documentId, id));
    expect(sig.method).toBe('drawn');
    expect(sig.ip).toBe('203.0.113.7');
    expect(sig.userAgent).toBe('TestBrowser/1.0');
    const stored = await env.FILES.get(sig.imageKey!);
    expect(new Uint8Array(await stored!.arrayBuffer())).toEqual(image);
  });

  it('the same drawn form sent again after it signed gets the first answer: no second signature or image kept, another key is refused', async () => {
    const { id, r, hash } = await sentTo('proposal');
    const drawing = dataUrl(await png(300, 100));
    const form = (key: string) => ({
      versionHash: hash,
      idempotencyKey: key,
      name: 'Dana Reyes',
      method: 'drawn',
      signature: drawing,
      consent: 'yes',
    });
    const images = async () =>
      (await env.FILES.list()).objects.map((o) => o.key).filter((k) => k.includes(`/doc/${id}/signature-`));
    expect((await r.post(`/portal/documents/${id}/sign`, form('k-again-1'))).status).toBe(303);
    const [first] = await db().select().from(signatures).where(eq(signatures.documentId, id));
    expect(await images()).toEqual([first.imageKey]);
    // The document is approved now: the resubmission is still answered as the first one was, after it.
    const again = await Promise.all([1, 2].map(() => r.post(`/portal/documents/${id}/sign`, form('k-again-1'))));
    expect(again.map((a) => a.status)).toEqual([303, 303]);
    const other = await r.post(`/portal/documents/${id}/sign`, form('k-again-2'));
    expect(other.status).toBe(409);
    expect(await db().$count(signatures, eq(signatures.documentId, id))).toBe(1);
    expect(await db().$count(activity, and(eq(activity.documentId, id), eq(activity.action, 'signed')))).toBe(1);
    expect(await images()).toEqual([first.imageKey]);
  });

  it('refuses a blank canvas, a name of spaces, a tampered hash, a big or fake PNG, and stores nothing', async () => {
    const { id, r, hash } = await sentTo('change_order');
    const before = (await env.FILES.list()).objects.length;
    const cases: [Record<string, string>, number, string][] = [
      [
        { method: 'drawn', signature: dataUrl(await png(300, 100, true)), name: 'Dana Reyes' },
        422,
        'signature pad is empty',
      ],
      [{ method: 'typed', name: '     ' }, 422, 'Type your full legal name'],
      [
        { method: 'typed', name: 'Dana Reyes', versionHash: 'f'.repeat(64) },
        409,
        'This document was revised; please review the new version.',
      ],
      [
        { method: 'drawn', name: 'Dana Reyes', signature: `data:image/png;base64,${btoa('GIF89a not a png at all')}` },
        422,
        'must be a PNG',
      ],
      [
        {
          method: 'drawn',
          name: 'Dana Reyes',
          signature: `data:image/png;base64,${btoa('\x89PNG\r\n\x1a\n' + 'x'.repeat(600 * 1024))}`,
        },
        422,
        'larger than 512 KB',
      ],
    ];
    for (const [fields, status, message] of cases) {
      const res = await r.post(`/portal/documents/${id}/sign`, {
        versionHash: hash,
        idempotencyKey: crypto.randomUUID(),
        consent: 'yes',
        ...fields,
      });
      expect(res.status, message).toBe(status);
      expect(await res.text(), message).toContain(message.replace(/'/g, '&#39;'));
    }
    expect(await db().$count(signatures, eq(signatures.documentId, id))).toBe(0);
    expect((await env.FILES.list()).objects.length).toBe(before);
    expect((await db().query.documents.findFirst({ where: eq(documents.id, id) }))?.status).toBe('viewed');
  });

  it('fifty concurrent Approve & sign submissions make exactly one signature; a retry with the same key gets the first result', async () => {
    const { id, r, hash } = await sentTo('estimate');
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        r.post(`/portal/documents/${id}/sign`, {
          versionHash: hash,
          idempotencyKey: `k-race-${i}`,
          name: 'Dana Reyes',
          method: 'typed',
          consent: 'yes',
        }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 303)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    for (const a of answers.filter((x) => x.status === 409)) expect(await a.text()).toContain('already been signed');
    expect(await db().$count(signatures, eq(signatures.documentId, id))).toBe(1);
    const winner = answers.findIndex((a) => a.status === 303);
    const retry = await r.post(`/portal/documents/${id}/sign`, {
      versionHash: hash,
      idempotencyKey: `k-race-${winner}`,
      name: 'Dana Reyes',
      method: 'typed',
      consent: 'yes',
    });
    expect(retry.status).toBe(303);
    expect(await db().$count(signatures, eq(signatures.documentId, id))).toBe(1);
  });

  it('a signature for a revised version is refused', async () => {
    const { id, r, hash } = await sentTo('estimate');
    expect((await co.browser.post(`/documents/${id}/revise`)).status).toBe(303);
    await sendDocument(co.browser, id);
    const res = await r.post(`/portal/documents/${id}/sign`, {
      versionHash: hash,
      idempotencyKey: 'k-stale-1',
      name: 'Dana Reyes',
      method: 'typed',
      consent: 'yes',
    });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('This document was revised; please review the new version.');
  });

  it('declines with a reason (at most 1,000 characters) and notifies the contractor', async () => {
    const { id, r, hash } = await sentTo('estimate');
    const long = await r.post(`/portal/documents/${id}/decline`, { versionHash: hash, reason: 'x'.repeat(1001) });
    expect(long.status).toBe(422);
    const res = await r.post(`/portal/documents/${id}/decline`, {
      versionHash: hash,
      reason: 'Over our budget <b>sorry</b>',
      confirm: 'yes',
    });
    expect(res.status).toBe(303);
    expect((await db().query.documents.findFirst({ where: eq(documents.id, id) }))?.status).toBe('declined');
    const page = await (await co.browser.get(`/documents/${id}`)).text();
    expect(page).toContain('Over our budget &lt;b>sorry&lt;/b>');
    const mail = await db().query.outbox.findFirst({
      where: (o, { and, eq }) => and(eq(o.documentId, id), eq(o.kind, 'decision')),
    });
    expect(mail?.toEmail).toBe(co.email);
    expect(mail?.text).toContain('Over our budget');
  });

  it('a sealing failure leaves the signature recorded and "finalizing"; the retry completes it', async () => {
    const { id, r, hash } = await sentTo('estimate');
    await r.post(`/portal/documents/${id}/sign`, {
      versionHash: hash,
      idempotencyKey: 'k-fail-1',
      name: 'Dana Reyes',
      method: 'typed',
      consent: 'yes',
    });
    const [sig] = await db().select().from(signatures).where(eq(signatures.documentId, id));
    // Before the room seals it, a run without keys fails and records why.
    if (!sig.sealedAt) {
      const broken = await finalizeSignature(
        { ...env, SEAL_PRIVATE_KEY: undefined },
        database(env.DB),
        sig.id,
        'http://localhost',
      );
      expect(broken).toBe('failed');
      const page = await (await co.browser.get(`/documents/${id}`)).text();
      expect(page).toContain('Finalizing the signed PDF');
    }
    await settle(id);
    expect((await db().select().from(signatures).where(eq(signatures.id, sig.id)))[0].sealedPdfSha256).toMatch(
      /^[0-9a-f]{64}$/,
    );
  });
  it('the PDF Worker unavailable (its RPC throws): the signer is answered, the version stays "finalizing", the cron seals it', async () => {
    const { id, r, hash } = await sentTo('estimate');
    const down = () => Promise.reject(new Error('PDF Worker unavailable'));
    const withoutPdf = {
      ...env,
      PDF: { renderDocument: down, signedPdf: down },
    } as unknown as Env;
    const form = new URLSearchParams({
      _csrf: await r.csrf(),
      versionHash: hash,
      idempotencyKey: 'k-pdf-down-1',
      name: 'Dana Reyes',
      method: 'typed',
      consent: 'yes',
    });
    const request = r.request(`/portal/documents/${id}/sign`, {
      method: 'POST',
      body: form,
      headers: { Origin: BASE, 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    const ctx = createExecutionContext();
    const res = await worker.fetch(request, withoutPdf, ctx);
    await waitOnExecutionContext(ctx); // the sealing the response deferred has run (and failed)
    expect(res.status).toBe(303);
    const [sig] = await db().select().from(signatures).where(eq(signatures.documentId, id));
    expect(sig.outcome).toBe('signed');
    expect(sig.sealedAt).toBeNull();
    expect(sig.sealError).toContain('PDF Worker unavailable');
    expect(await (await co.browser.get(`/documents/${id}`)).text()).toContain('Finalizing the signed PDF');
    // The cron's retry, with the PDF Worker back.
    const cron = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: '*/5 * * * *' }), env, cron);
    await waitOnExecutionContext(cron);
    const [sealed] = await db().select().from(signatures).where(eq(signatures.id, sig.id));
    expect(sealed.sealedAt).not.toBeNull();
    expect(sealed.sealError).toBeNull();
    expect(sealed.sealedPdfSha256).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('orders, change orders, deposits and bids', () => {
  it('a vendor order without a required signature is accepted with a typed name', async () => {
    const { id, r, hash } = await sentTo('purchase_order', { group: co.groups.electrical });
    await co.browser.post(`/documents/${id}`, {});
    const row = await db().query.documents.findFirst({ where: eq(documents.id, id) });
    await db().update(documents).set({ requireSignature: false }).where(eq(documents.id, id));
    const res = await r.post(`/portal/documents/${id}/sign`, {
      versionHash: hash,
      idempotencyKey: 'k-po-1',
      name: 'Marco Ruiz',
      consent: 'yes',
    });
    expect(res.status).toBe(303);
    expect((await db().query.documents.findFirst({ where: eq(documents.id, id) }))?.status).toBe('accepted');
    const [sig] = await db().select().from(signatures).where(eq(signatures.documentId, id));
    expect(sig.outcome).toBe('accepted');
    expect(row?.type).toBe('vendor_order');
  });

  it('an approved change order adds its lines to the job budget in a group named after it', async () => {
    const { id, r, hash } = await sentTo('change_order', { group: co.groups.demolition });
    const groupsBefore = await db().$count(costGroups, eq(costGroups.jobId, co.jobId));
    await r.post(`/portal/documents/${id}/sign`, {
      versionHash: hash,
      idempotencyKey: 'k-co-1',
      name: 'Dana Reyes',
      method: 'typed',
      consent: 'yes',
    });
    const groups = await db()
      .select()
      .from(costGroups)
      .where(and(eq(costGroups.jobId, co.jobId), eq(costGroups.sourceDocumentId, id)));
    expect(groups).toHaveLength(1);
    expect(groups[0].name).toMatch(/^CO-\d{4} /);
    const items = await db().select().from(costItems).where(eq(costItems.groupId, groups[0].id));
    expect(items.map((i) => i.name).sort()).toEqual(['Dumpster', 'Remove cabinets']);
    expect(await db().$count(costGroups, eq(costGroups.jobId, co.jobId))).toBe(groupsBefore + 1);
  });

  it('an approved order with a deposit offers the deposit invoice in one click', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    await editDraft(co.browser, id, (fields) => [
      ...fields.filter(([k]) => k !== 'depositKind' && k !== 'depositValue'),
      ['depositKind', 'percent'],
      ['depositValue', '30'],
    ]);
    const { link } = await sendDocument(co.browser, id);
    const r = new Browser();
    await r.get(link);
    const hash = /name="versionHash" value="([0-9a-f]{64})"/.exec(
      await (await r.get(`/portal/documents/${id}`)).text(),
    )![1];
    await r.post(`/portal/documents/${id}/sign`, {
      versionHash: hash,
      idempotencyKey: 'k-dep-1',
      name: 'Dana Reyes',
      method: 'typed',
      consent: 'yes',
    });
    expect(await (await co.browser.get(`/documents/${id}`)).text()).toContain('Create the deposit invoice');
    const made = await co.browser.post(`/documents/${id}/deposit-invoice`);
    expect(made.status).toBe(303);
    const invoiceId = location(made).split('/documents/')[1].split('?')[0];
    const invoice = await db().query.documents.findFirst({ where: eq(documents.id, invoiceId) });
    expect(invoice).toMatchObject({ type: 'customer_invoice', sourceDocumentId: id, accountId: co.customerId });
    const again = await co.browser.post(`/documents/${id}/deposit-invoice`);
    expect(location(again)).toContain(invoiceId);
  });

  it('vendors bid; the contractor compares and accepts one: costs and vendor go to the budget, the rival is not accepted', async () => {
    const a = await sentTo('bid_request', { group: co.groups.demolition }, co.vendorId);
    const rivalId = await createAccount(co.browser, 'vendor', 'Second Electric');
    const b = await sentTo('bid_request', { group: co.groups.demolition }, rivalId);
    const lineIds = [...a.page.matchAll(/name="cost\.([a-z0-9]+)"/g)].map((m) => m[1]);
    expect(lineIds.length).toBe(2);
    const refused = await a.r.post(`/portal/documents/${a.id}/bid`, { versionHash: a.hash });
    expect(refused.status).toBe(422);
    const bad = await a.r.post(`/portal/documents/${a.id}/bid`, {
      versionHash: a.hash,
      [`cost.${lineIds[0]}`]: '12.345',
    });
    expect(bad.status).toBe(422);
    expect(await db().$count(bids, eq(bids.documentId, a.id))).toBe(0);
    expect(
      (
        await a.r.post(`/portal/documents/${a.id}/bid`, {
          versionHash: a.hash,
          [`cost.${lineIds[0]}`]: '60.00',
          [`cost.${lineIds[1]}`]: '',
          note: 'Can start Monday',
        })
      ).status,
    ).toBe(303);
    expect(
      (
        await a.r.post(`/portal/documents/${a.id}/bid`, {
          versionHash: a.hash,
          [`cost.${lineIds[0]}`]: '58.00',
          [`cost.${lineIds[1]}`]: '500',
        })
      ).status,
    ).toBe(303);
    expect(await db().$count(bids, eq(bids.documentId, a.id))).toBe(1);
    const bLines = [...b.page.matchAll(/name="cost\.([a-z0-9]+)"/g)].map((m) => m[1]);
    expect(
      (
        await b.r.post(`/portal/documents/${b.id}/bid`, {
          versionHash: b.hash,
          [`cost.${bLines[0]}`]: '70',
          [`cost.${bLines[1]}`]: '450',
        })
      ).status,
    ).toBe(303);
    const compare = await (await co.browser.get(`/jobs/${co.jobId}/bids`)).text();
    expect(compare).toContain('$58.00');
    expect(compare).toContain('$70.00');
    expect((await co.browser.post(`/documents/${a.id}/accept-bid`, { confirm: 'yes' })).status).toBe(303);
    const items = await db().select().from(costItems).where(eq(costItems.groupId, co.groups.demolition));
    const remove = items.find((i) => i.name === 'Remove cabinets')!;
    expect(remove.unitCost).toBe(5800);
    expect(remove.vendorAccountId).toBe(co.vendorId);
    expect(remove.acceptedBidId).toBeTruthy();
    expect((await db().query.documents.findFirst({ where: eq(documents.id, a.id) }))?.status).toBe('accepted');
    expect((await db().query.documents.findFirst({ where: eq(documents.id, b.id) }))?.status).toBe('rejected');
    expect((await db().select().from(bids).where(eq(bids.documentId, b.id)))[0].status).toBe('not_accepted');
    const closed = await b.r.post(`/portal/documents/${b.id}/bid`, { versionHash: b.hash, [`cost.${bLines[0]}`]: '1' });
    expect(closed.status).toBe(409);
    expect((await co.browser.post(`/documents/${a.id}/accept-bid`, { confirm: 'yes' })).status).toBe(409);
  });

  it('another organization and strangers cannot act on these routes', async () => {
    const { id, hash } = await sentTo('estimate');
    const other = await companyWithBudget({ company: 'Other Builders' });
    for (const path of [`/documents/${id}/signed.pdf`, `/jobs/${co.jobId}/bids`])
      expect((await other.browser.get(path)).status, path).toBe(404);
    for (const path of [`/documents/${id}/accept-bid`, `/documents/${id}/deposit-invoice`])
      expect((await other.browser.post(path)).status, path).toBe(404);
    const stranger = new Browser();
    for (const path of ['sign', 'decline', 'bid'])
      expect(
        (await stranger.post(`/portal/documents/${id}/${path}`, { versionHash: hash, name: 'X', method: 'typed' }))
          .status,
        path,
      ).toBe(404);
    expect(await db().$count(signatures, eq(signatures.documentId, id))).toBe(0);
    void documentVersions;
  });
});
