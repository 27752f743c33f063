import { describe, expect, it } from 'vitest';
import { Browser } from './helpers';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';

describe('smoke', () => {
  it('creates, edits, sends and opens in the portal', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'estimate', {
      group: co.groups.demolition,
      item: co.items[2].id,
    });
    const page = await co.browser.get(`/documents/${id}`);
    const body = await page.text();
    expect(page.status, body.slice(0, 3000)).toBe(200);
    expect(body).toContain('EST-0001');
    const pdf = await co.browser.get(`/documents/${id}.pdf`);
    expect(pdf.status, (await pdf.clone().text()).slice(0, 500)).toBe(200);
    const { link } = await sendDocument(co.browser, id);
    const recipient = new Browser();
    const open = await recipient.get(link);
    expect(open.status).toBe(303);
    const doc = await recipient.get(open.headers.get('Location')!);
    const html = await doc.text();
    expect(doc.status, html.slice(0, 2000)).toBe(200);
    expect(html).toContain('EST-0001');
    const home = await recipient.get('/portal');
    expect(home.status).toBe(200);
    const job = await co.browser.get(`/jobs/${co.jobId}`);
    expect(await job.text()).toContain('EST-0001');
  });
});
