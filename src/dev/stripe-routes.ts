import { Hono } from 'hono';
import { html } from '../../views/html';
import { DevCheckoutPage, DevOnboardPage, DevStripePage, type RefundRefusal } from '../../views/dashboard/dev-stripe';
import { Conflict, NotFound, Refused, Unavailable } from '../errors';
import type { AppContext, AppEnv } from '../http/context';
import { takeFlash } from '../http/flash';
import { redirectWith, render } from '../http/render';
import { FormCheck, readForm } from '../http/validate';
import { developmentOnly } from './only';
import {
  accountUpdated,
  bankDebitEnded,
  cancelPath,
  chargeRefunded,
  checkoutCompleted,
  checkoutDescription,
  checkoutExpired,
  refundable,
  type SimulatedEvent,
  type SimulatedMethod,
  type SimulatedPayment,
  signedDelivery,
  simulatedAccount,
  simulatedPayment,
  simulatedPaymentById,
  simulatedPayments,
  successPath,
} from './stripe-sim';

// Development's simulated Stripe (no STRIPE_SECRET_KEY: src/payments/dev-gateway.ts sends customers
// and companies here). Each button builds the event Stripe would send, signs it with the webhook
// secret and hands it to the app's own POST /webhooks/stripe in-process (`deliver`, given by app.ts),
// so everything after Checkout runs the real path. 404 outside development and tests.

/** Calls the app itself with a request (app.ts passes the app's own fetch). */
export type Deliver = (request: Request, c: AppContext) => Response | Promise<Response>;

const METHODS: Record<string, SimulatedMethod> = { card: 'card', us_bank_account: 'us_bank_account' };
const STEPS = ['succeed', 'fail', 'refund', 'refund_part', 'expire'] as const;
type Step = (typeof STEPS)[number];

/** The webhook's answer in one line: its status and the start of its body. */
async function answerOf(res: Response) {
  const type = res.headers.get('Content-Type') ?? '';
  const body = type.includes('html') ? '' : (await res.text()).replace(/\s+/g, ' ').trim().slice(0, 200);
  return `${res.status}${body ? ` ${body}` : ''}`;
}

async function post(c: AppContext, deliver: Deliver, event: SimulatedEvent) {
  const res = await deliver(await signedDelivery(c.env, c.req.url, event), c);
  return { ok: res.ok, answer: await answerOf(res) };
}

/** A same-origin place to go back to (a path or a URL on this origin); anything else is the payments settings. */
export function sameOriginReturn(raw: string | undefined, origin: string): string {
  const fallback = '/settings/payments';
  if (!raw) return fallback;
  try {
    const url = new URL(raw, origin);
    const same = url.origin === origin && /^https?:$/.test(url.protocol);
    const path = url.pathname + url.search + url.hash;
    // "//evil.test" or "/\evil.test" as a Location would leave this origin.
    return same && !/^\/[/\\]/.test(path) ? path : fallback;
  } catch {
    return fallback;
  }
}

function checkoutPage(c: AppContext, p: SimulatedPayment, extra: { error?: string; closed?: boolean } = {}) {
  return html`<${DevCheckoutPage}
    nonce=${c.get('nonce')}
    csrf=${c.get('csrf')}
    payment=${p}
    description=${checkoutDescription(p)}
    cancelHref=${cancelPath(p)}
    ...${extra}
  />`;
}

async function dashboard(c: AppContext, refusal?: RefundRefusal) {
  const rows = await simulatedPayments(c.get('db'));
  const payments = rows.map((p) => ({ ...p, description: checkoutDescription(p) }));
  const notice = refusal ? undefined : takeFlash(c);
  return html`<${DevStripePage}
    nonce=${c.get('nonce')}
    csrf=${c.get('csrf')}
    payments=${payments}
    notice=${notice}
    refusal=${refusal}
  />`;
}

/** The event a dashboard step sends, or the reason it cannot be sent now. */
function stepEvent(p: SimulatedPayment, step: Step, amount: number | null): SimulatedEvent {
  const now = p.payment.status;
  const refusedNow = () => new Conflict(`That payment is ${now} now, so nothing was sent. Reload the list.`);
  switch (step) {
    case 'succeed':
    case 'fail':
      if (now !== 'processing') throw refusedNow();
      return bankDebitEnded(p, step === 'succeed' ? 'succeeded' : 'failed');
    case 'expire':
      if (now !== 'open') throw refusedNow();
      return checkoutExpired(p);
    case 'refund':
    case 'refund_part':
      if (now !== 'succeeded' || refundable(p) <= 0) throw refusedNow();
      return chargeRefunded(p, amount ?? refundable(p));
  }
}

export function devStripeRoutes(deliver: Deliver) {
  return new Hono<AppEnv>()
    .use('/dev/stripe', developmentOnly)
    .use('/dev/stripe/*', developmentOnly)
    .get('/dev/stripe', async (c) => render(c, await dashboard(c)))
    .post('/dev/stripe/payments/:id', async (c) => {
      const form = await readForm(c);
      const step = STEPS.find((s) => s === form.step);
      if (!step) throw new Refused('Choose what to simulate: a button in the list.');
      const p = await simulatedPaymentById(c.get('db'), c.req.param('id'));
      if (!p) throw new NotFound();
      let amount: number | null = null;
      if (step === 'refund_part' && p.payment.status === 'succeeded') {
        const left = refundable(p);
        const f = new FormCheck(form);
        amount = f.money('amount', { label: 'Refund amount', required: true, min: 1, max: left });
        if (!f.ok || amount === null) {
          const refusal = { paymentId: p.payment.id, value: form.amount ?? '', message: f.errors.amount ?? '' };
          return render(c, await dashboard(c, refusal), 422);
        }
      }
      const event = stepEvent(p, step, amount);
      const { ok, answer } = await post(c, deliver, event);
      if (!ok) throw new Unavailable(`${event.type} was delivered and the webhook answered ${answer}.`);
      return redirectWith(c, `/dev/stripe#payment-${p.payment.id}`, `${event.type}: the webhook answered ${answer}.`);
    })
    .get('/dev/stripe/checkout/:sessionId', async (c) => {
      const p = await simulatedPayment(c.get('db'), c.req.param('sessionId'));
      if (!p) throw new NotFound();
      const closed = p.payment.status !== 'open';
      return render(c, checkoutPage(c, p, { closed }), closed ? 409 : 200);
    })
    .post('/dev/stripe/checkout/:sessionId', async (c) => {
      const form = await readForm(c);
      const p = await simulatedPayment(c.get('db'), c.req.param('sessionId'));
      if (!p) throw new NotFound();
      if (p.payment.status !== 'open') return render(c, checkoutPage(c, p, { closed: true }), 409);
      const method = METHODS[form.method ?? ''];
      if (!method)
        return render(c, checkoutPage(c, p, { error: 'Choose how to pay: by card or by bank account.' }), 422);
      const { ok, answer } = await post(c, deliver, checkoutCompleted(p, method));
      if (!ok) {
        const error = `The webhook answered ${answer}. Nothing was paid; try again once /webhooks/stripe works.`;
        return render(c, checkoutPage(c, p, { error }), 503);
      }
      return c.redirect(successPath(p), 303);
    })
    .get('/dev/stripe/onboard/:account', async (c) => {
      const account = c.req.param('account');
      const org = await simulatedAccount(c.get('db'), account);
      if (!org) throw new NotFound();
      return render(
        c,
        html`<${DevOnboardPage}
          nonce=${c.get('nonce')}
          csrf=${c.get('csrf')}
          account=${account}
          company=${org.name}
          status=${org.status}
          returnTo=${sameOriginReturn(c.req.query('return'), new URL(c.req.url).origin)}
        />`,
      );
    })
    .post('/dev/stripe/onboard/:account', async (c) => {
      const form = await readForm(c);
      const account = c.req.param('account');
      if (!(await simulatedAccount(c.get('db'), account))) throw new NotFound();
      const outcome = form.outcome === 'active' || form.outcome === 'pending' ? form.outcome : null;
      if (!outcome) throw new Refused('Choose “Finish setup” or “Leave it pending”.');
      const event = accountUpdated(account, outcome);
      const { ok, answer } = await post(c, deliver, event);
      if (!ok) throw new Unavailable(`account.updated was delivered and the webhook answered ${answer}.`);
      return c.redirect(sameOriginReturn(form.return, new URL(c.req.url).origin), 303);
    });
}
