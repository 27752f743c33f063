import { Hono } from 'hono';
import { html } from '../../views/html';
import { CompareBidsPage } from '../../views/dashboard/compare-bids';
import { ConfirmPage, type Confirmation } from '../../views/dashboard/confirm';
import { money, plural } from '../../views/format';
import { VerifyPage } from '../../views/dashboard/decisions';
import { currentUser } from '../auth/session';
import { contractorActor } from '../conversation/activity';
import { pdfResponse } from '../documents/pdf';
import { canTransition } from '../documents/status';
import { Conflict } from '../errors';
import { readCappedBody, type BodyCap } from '../http/body';
import type { AppEnv } from '../http/context';
import { sha256Hex } from '../http/crypto';
import { notFound } from '../http/errors';
import { clientIp, hitRateLimit } from '../http/rate-limit';
import { pageContext, redirectWith, render } from '../http/render';
import { readForm } from '../http/validate';
import { acceptBid } from './actions';
import { bidAcceptance, bidComparison, sealedBy, sealedPdf, signatureImage } from './queries';

/** "Accept ProFlow's bid?": what accepting writes into the budget and what happens to the rival bids. */
function acceptQuestion(bid: NonNullable<Awaited<ReturnType<typeof bidAcceptance>>>, currency: string): Confirmation {
  const vendor = bid.vendor ?? 'this vendor';
  const rivals = bid.rivals
    ? ` The other ${plural(bid.rivals, 'bid')} on these items will be marked not selected.`
    : '';
  return {
    question: `Accept ${vendor}’s bid?`,
    consequences: [
      `Its unit costs (${money(bid.total, currency)} total) will be written into ` +
        `${plural(bid.items, 'budget item')} of ${bid.jobName}, with ${vendor} as their vendor.${rivals}`,
      `${vendor} will see ${bid.number} as accepted.`,
    ],
    action: `/documents/${bid.id}/accept-bid`,
    fields: bid.bidSeen ? { bid: bid.bidSeen } : {},
    actionLabel: `Accept ${vendor}’s bid`,
    keepHref: `/jobs/${bid.jobId}/bids`,
    keepLabel: 'Keep comparing',
  };
}

export const signingRoutes = new Hono<AppEnv>()
  .get('/documents/:id/signed.pdf', async (c) => {
    const { org } = currentUser(c);
    const pdf = await sealedPdf(c.env, c.get('db'), org.id, c.req.param('id'));
    if (!pdf) notFound();
    return pdfResponse(pdf.body, pdf.fileName);
  })
  .get('/documents/:id/signatures/:file{[a-z0-9]+\\.png}', async (c) => {
    const { org } = currentUser(c);
    const sigId = c.req.param('file').replace(/\.png$/, '');
    const image = await signatureImage(c.env, c.get('db'), org.id, c.req.param('id'), sigId);
    if (!image) notFound();
    return new Response(image, {
      headers: {
        'Content-Type': 'image/png',
        'Cache-Control': 'private, max-age=3600',
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': "default-src 'none'; sandbox",
      },
    });
  })
  .post('/documents/:id/accept-bid', async (c) => {
    const { user, org } = currentUser(c);
    const form = await readForm(c);
    if (form.confirm !== 'yes') {
      const bid = await bidAcceptance(c.get('db'), org.id, c.req.param('id'));
      if (!bid) notFound();
      if (!bid.hasBid || !canTransition('bid_request', bid.status, 'accept_bid'))
        throw new Conflict('There is no submitted bid to accept on this request.');
      return render(c, html`<${ConfirmPage} ctx=${pageContext(c)} confirm=${acceptQuestion(bid, org.currency)} />`);
    }
    const input = {
      orgId: org.id,
      documentId: c.req.param('id'),
      timeZone: org.timeZone,
      origin: c.env.APP_ORIGIN,
      bidSeen: form.bid || undefined, // the bid the question was about (absent from older pages and scripts)
    };
    const { items } = await acceptBid(c.env, c.get('db'), contractorActor(user), input);
    const notice = `Bid accepted: ${plural(items, 'budget item')} now carry this vendor and their costs.`;
    return redirectWith(c, `/documents/${input.documentId}`, notice);
  })
  .get('/jobs/:id/bids', async (c) => {
    const { org } = currentUser(c);
    const compared = await bidComparison(c.get('db'), org.id, c.req.param('id'));
    if (!compared) notFound();
    return render(
      c,
      html`<${CompareBidsPage} ctx=${pageContext(c)} job=${compared.job} items=${compared.items}
        columns=${compared.columns} />`,
    );
  });

const MAX_VERIFY_BYTES = 30 * 1024 * 1024;
const TOO_BIG_TO_VERIFY = 'That file is larger than 30 MB; paste its SHA-256 instead.';
/** /verify is public: its body is capped at the file limit (and a little for the form), never read past it. */
export const VERIFY_BODY_CAP: BodyCap = { max: MAX_VERIFY_BYTES + 64 * 1024, message: TOO_BIG_TO_VERIFY };

/** The public verify page: is this file an unaltered document signed here? Nothing else is revealed. */
export const verifyRoutes = new Hono<AppEnv>()
  .get('/verify', (c) => render(c, html`<${VerifyPage} nonce=${c.get('nonce')} csrf=${c.get('csrf')} />`))
  .post('/verify', async (c) => {
    const page = (props: { error?: string; result?: unknown; checked?: boolean }, status: 200 | 422 | 429 = 200) =>
      render(c, html`<${VerifyPage} nonce=${c.get('nonce')} csrf=${c.get('csrf')} ...${props} />`, status);
    const limit = await hitRateLimit(c.get('db'), `verify:${clientIp(c.req)}`, 30, 3_600_000);
    if (!limit.allowed) return page({ error: 'Too many checks from your address. Try again in an hour.' }, 429);
    const body = await readCappedBody(c);
    let sha = typeof body.sha256 === 'string' ? body.sha256.trim().toLowerCase() : '';
    if (body.file instanceof File && body.file.size > 0) {
      if (body.file.size > MAX_VERIFY_BYTES) return page({ error: TOO_BIG_TO_VERIFY }, 422);
      sha = await sha256Hex(new Uint8Array(await body.file.arrayBuffer()));
    }
    if (!/^[0-9a-f]{64}$/.test(sha))
      return page({ error: 'Choose a PDF file or paste a SHA-256 (64 hexadecimal characters).' }, 422);
    return page({ result: await sealedBy(c.get('db'), sha), checked: true });
  });
