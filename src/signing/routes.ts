import { Hono } from 'hono';
import { html } from '../../views/html';
import { CompareBidsPage } from '../../views/dashboard/compare-bids';
import { VerifyPage } from '../../views/dashboard/decisions';
import { currentUser } from '../auth/session';
import { contractorActor } from '../conversation/activity';
import { pdfResponse } from '../documents/pdf';
import { readCappedBody, type BodyCap } from '../http/body';
import type { AppEnv } from '../http/context';
import { sha256Hex } from '../http/crypto';
import { notFound } from '../http/errors';
import { clientIp, hitRateLimit } from '../http/rate-limit';
import { pageContext, redirectWith, render } from '../http/render';
import { acceptBid } from './actions';
import { bidComparison, sealedBy, sealedPdf } from './queries';

export const signingRoutes = new Hono<AppEnv>()
  .get('/documents/:id/signed.pdf', async (c) => {
    const { org } = currentUser(c);
    const pdf = await sealedPdf(c.env, c.get('db'), org.id, c.req.param('id'));
    if (!pdf) notFound();
    return pdfResponse(pdf.body, pdf.fileName);
  })
  .post('/documents/:id/accept-bid', async (c) => {
    const { user, org } = currentUser(c);
    const input = {
      orgId: org.id,
      documentId: c.req.param('id'),
      timeZone: org.timeZone,
      origin: c.env.APP_ORIGIN,
    };
    const { items } = await acceptBid(c.env, c.get('db'), contractorActor(user), input);
    const notice = `Bid accepted: ${items} budget item${items === 1 ? '' : 's'} now carry this vendor and their costs.`;
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
