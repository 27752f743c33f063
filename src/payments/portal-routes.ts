import { DomainError, STATUS_OF } from '../errors';
import type { AppContext } from '../http/context';
import { FormCheck, readForm } from '../http/validate';
import { showPortalDocument } from '../portal/pages';
import { portalViewer } from '../portal/session';
import { startCheckout } from './checkout';

// The portal's "Pay" (intent=pay on the document's address, dispatched by signing/portal-routes.ts;
// handed in from app.ts). On success the customer goes on to Stripe Checkout (303 to its url); a
// refusal shows the document again at this address with the message in the pay form (#pay) and the
// typed amount kept: 422 for an amount it cannot take, 409 when nothing can be paid online now, 503
// when Stripe cannot be reached.

type PayStatus = 409 | 422 | 503;

async function again(c: AppContext, message: string, values: Record<string, string>, status: PayStatus) {
  const res = await showPortalDocument(c, c.req.param('id') ?? '', { pay: message, values });
  return new Response(res.body, { status, headers: res.headers });
}

export async function payForm(c: AppContext): Promise<Response> {
  const viewer = portalViewer(c);
  const raw = await readForm(c);
  const other = raw.amount === 'other';
  const values = { amount: other ? 'other' : 'full', other_amount: (raw.other_amount ?? '').slice(0, 40) };
  let amount: number | null = null;
  if (other) {
    const f = new FormCheck(raw);
    amount = f.money('other_amount', { label: 'Amount', required: true, min: 1, max: 1_000_000_000_000 });
    if (!f.ok || amount === null) return again(c, f.errors.other_amount ?? 'Enter an amount.', values, 422);
  }
  try {
    const { url } = await startCheckout(c.env, c.get('db'), viewer, { documentId: c.req.param('id') ?? '', amount });
    return c.redirect(url, 303);
  } catch (err) {
    if (err instanceof DomainError && (err.code === 'refused' || err.code === 'conflict' || err.code === 'unavailable'))
      return again(c, err.message, values, STATUS_OF[err.code] as PayStatus);
    throw err;
  }
}
