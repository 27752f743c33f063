import { describe, expect, it } from 'vitest';
import { companyWithBudget, createDocument } from './fixtures';

// fontkit's subsetter shares one nextTick queue per isolate; two renders at once used to hang
// until the runtime cancelled the request (a 500). Found by `npm run bench` (see src/pdf/exclusive.ts).
describe('PDF rendering under concurrency', () => {
  it('renders several draft PDFs requested at the same time', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'estimate', { all: 'on' });
    const responses = await Promise.all(Array.from({ length: 6 }, () => co.browser.get(`/documents/${id}.pdf`)));
    for (const res of responses) {
      expect(res.status).toBe(200);
      expect(new TextDecoder().decode(new Uint8Array(await res.arrayBuffer()).slice(0, 5))).toBe('%PDF-');
    }
  });
});
