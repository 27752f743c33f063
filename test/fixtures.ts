import { Browser, createAccount, createJob, db, location, signUp } from './helpers';
import { editDraft } from './portal-fixtures';

/** A company with a customer, a vendor (each with a contact), and a job whose budget has two groups. */
export async function companyWithBudget(opts: { company?: string; currency?: string } = {}) {
  const owner = await signUp({
    company: opts.company ?? 'Oak & Stone Builders',
    ...(opts.currency ? { currency: opts.currency } : {}),
  });
  const { browser } = owner;
  const customerId = await createAccount(browser, 'customer', 'Reyes Household');
  const vendorId = await createAccount(browser, 'vendor', 'Summit Electric');
  const jobId = await createJob(browser, 'Kitchen remodel', customerId);
  const group = async (name: string) => {
    await browser.post(`/jobs/${jobId}/groups`, { name });
    const g = await db().query.costGroups.findFirst({
      where: (t, { and, eq }) => and(eq(t.jobId, jobId), eq(t.name, name)),
    });
    return g!.id;
  };
  const demolition = await group('Demolition');
  const electrical = await group('Electrical');
  const item = async (
    groupId: string,
    name: string,
    quantity: string,
    unitCost: string,
    markup: string,
    extra: Record<string, string> = {},
  ) => {
    const res = await browser.post(`/jobs/${jobId}/items`, {
      groupId,
      name,
      costType: 'labor',
      quantity,
      unit: 'hr',
      unitCost,
      priceBy: 'markup',
      markup,
      taxable: 'on',
      ...extra,
    });
    if (res.status !== 303) throw new Error(`item ${name}: ${res.status} ${await res.text()}`);
  };
  await item(demolition, 'Remove cabinets', '16', '65.00', '25');
  await item(demolition, 'Dumpster', '1', '525.00', '15');
  await item(electrical, 'Kitchen circuits', '1', '4200.00', '18', {
    vendorAccountId: vendorId,
    costType: 'subcontractor',
  });
  await item(electrical, 'Recessed lights — Zürich “LED”', '10', '48.00', '30', {
    vendorAccountId: vendorId,
    costType: 'materials',
  });
  const items = await db().query.costItems.findMany({ where: (t, { eq }) => eq(t.jobId, jobId) });
  const contacts = await db().query.contacts.findMany({ where: (t, { eq }) => eq(t.orgId, owner.orgId) });
  return {
    ...owner,
    customerId,
    vendorId,
    jobId,
    groups: { demolition, electrical },
    items,
    customerContact: contacts.find((p) => p.accountId === customerId)!,
    vendorContact: contacts.find((p) => p.accountId === vendorId)!,
  };
}

export async function createDocument(
  browser: Browser,
  jobId: string,
  kind: string,
  fields: Record<string, string | string[]>,
) {
  const res = await browser.post(`/jobs/${jobId}/documents`, { kind, ...fields });
  if (res.status !== 303) throw new Error(`create ${kind}: ${res.status} ${(await res.text()).slice(0, 2000)}`);
  return location(res).split('/documents/')[1].split('?')[0];
}

/** Sends a draft from its confirmation form; returns the portal link from the email. */
export async function sendDocument(browser: Browser, documentId: string, fields: Record<string, string> = {}) {
  const form = await browser.get(`/documents/${documentId}/send`);
  if (form.status !== 200) throw new Error(`send form: ${form.status} ${(await form.text()).slice(0, 1000)}`);
  const html = await form.text();
  const name = /name="name"[^>]*value="([^"]*)"/.exec(html)?.[1] ?? '';
  const email = /name="email"[^>]*value="([^"]*)"/.exec(html)?.[1] ?? '';
  const res = await browser.post(`/documents/${documentId}/send`, { name, email, message: '', ...fields });
  if (res.status !== 303) throw new Error(`send: ${res.status} ${(await res.text()).slice(0, 2000)}`);
  const mail = await db().query.outbox.findFirst({
    where: (o, { eq }) => eq(o.documentId, documentId),
    orderBy: (o, { desc }) => desc(o.createdAt),
  });
  return { mail: mail!, link: new URL(/http:\/\/localhost\/p\/[\w.-]+/.exec(mail!.text)![0]).pathname };
}

/**
 * A draft of `kind` made from the company's budget and sent to its recipient (a vendor's contact for
 * vendor kinds), opened in the recipient's browser: its id, that browser, the portal page and its version hash.
 */
export async function sentToRecipient(
  co: { browser: Browser; jobId: string },
  kind: string,
  fields: Record<string, string> = { all: '1' },
  vendorId?: string,
) {
  const id = await createDocument(co.browser, co.jobId, kind, fields);
  if (vendorId) {
    const contact = await db().query.contacts.findFirst({ where: (t, { eq }) => eq(t.accountId, vendorId) });
    await editDraft(co.browser, id, (f) =>
      f.map(([k, v]) => [k, k === 'accountId' ? vendorId : k === 'contactId' ? contact!.id : v]),
    );
  }
  const { link } = await sendDocument(co.browser, id);
  const r = new Browser();
  await r.get(link);
  const page = await (await r.get(`/portal/documents/${id}`)).text();
  const hash = /name="versionHash" value="([0-9a-f]{64})"/.exec(page)?.[1] ?? '';
  return { id, r, page, hash };
}

/**
 * An estimate from the demolition group asking a `percent` deposit, sent, then approved and signed by
 * its recipient in their browser (the typed signature): its id and that browser. `online` switches
 * its "Accept online payment" on before it is sent.
 */
export async function approvedWithDeposit(
  co: { browser: Browser; jobId: string; groups: { demolition: string } },
  opts: { percent?: number; online?: boolean; key?: string } = {},
) {
  const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
  await editDraft(co.browser, id, (fields) => [
    ...fields.filter(([k]) => k !== 'depositKind' && k !== 'depositValue' && k !== 'onlinePayment'),
    ['depositKind', 'percent'],
    ['depositValue', String(opts.percent ?? 30)],
    ...(opts.online ? ([['onlinePayment', 'on']] as [string, string][]) : []),
  ]);
  const { link } = await sendDocument(co.browser, id);
  const r = new Browser();
  await r.get(link);
  const hash = /name="versionHash" value="([0-9a-f]{64})"/.exec(
    await (await r.get(`/portal/documents/${id}`)).text(),
  )![1];
  const signed = await r.post(`/portal/documents/${id}/sign`, {
    versionHash: hash,
    idempotencyKey: opts.key ?? `k-deposit-${id}`,
    name: 'Dana Reyes',
    method: 'typed',
    consent: 'yes',
  });
  if (signed.status !== 303) throw new Error(`sign: ${signed.status} ${(await signed.text()).slice(0, 2000)}`);
  return { id, r };
}
