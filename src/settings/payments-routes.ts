import { Hono } from 'hono';
import { emptyForm, type FormState } from '../../views/components/form';
import { PaymentSettingsPage } from '../../views/dashboard/settings-payments';
import { centsInput } from '../../views/format';
import { html } from '../../views/html';
import { currentUser, requireOwner } from '../auth/session';
import type { AppContext, AppEnv } from '../http/context';
import { pageContext, redirectWith, render } from '../http/render';
import { readForm } from '../http/validate';
import {
  checkPaymentDefaults,
  connectStripe,
  paymentSettings,
  refreshStripeLink,
  returnFromStripe,
  returnNotice,
  updatePaymentDefaults,
} from '../payments/connect';
import { paymentGateway } from '../payments/dev-gateway';

// Settings → Payments: the company's Stripe connection (owner only, like inviting the team) and the
// defaults new documents start with (whoever may change the company's settings).

const gateway = (c: AppContext) => paymentGateway(c.env, c.get('db'));

async function paymentsPage(c: AppContext, form?: FormState, status: 200 | 422 = 200) {
  const { user, org } = currentUser(c);
  const settings = await paymentSettings(c.get('db'), org.id);
  const shown =
    form ??
    emptyForm({
      onlinePaymentDefault: settings.onlinePaymentDefault ? 'on' : '',
      payOtherAmount: settings.payOtherAmount ? 'on' : '',
      payMinimum: centsInput(settings.payMinimum),
    });
  return render(
    c,
    html`<${PaymentSettingsPage} ctx=${pageContext(c)} settings=${settings} form=${shown}
      available=${gateway(c) !== null} isOwner=${user.role === 'owner'} />`,
    status,
  );
}

export const paymentSettingsRoutes = new Hono<AppEnv>()
  .get('/settings/payments', (c) => paymentsPage(c))
  .post('/settings/payments', async (c) => {
    const { org } = currentUser(c);
    const raw = await readForm(c);
    const { f, values } = checkPaymentDefaults(raw);
    if (!f.ok) return paymentsPage(c, { values: raw, errors: f.errors }, 422);
    await updatePaymentDefaults(c.get('db'), org.id, values);
    return redirectWith(c, '/settings/payments', 'Payment settings saved.');
  })
  .post('/settings/payments/connect', async (c) => {
    requireOwner(c);
    const { user, org } = currentUser(c);
    const settings = await paymentSettings(c.get('db'), org.id);
    const link = await connectStripe(c.get('db'), gateway(c), {
      orgId: org.id,
      email: settings.email || user.email,
      origin: c.env.APP_ORIGIN,
    });
    return c.redirect(link, 303);
  })
  .get('/settings/payments/stripe/refresh', async (c) => {
    requireOwner(c);
    const link = await refreshStripeLink(c.get('db'), gateway(c), currentUser(c).org.id, c.env.APP_ORIGIN);
    return c.redirect(link ?? '/settings/payments', 303);
  })
  .get('/settings/payments/stripe/return', async (c) => {
    requireOwner(c);
    const state = await returnFromStripe(c.get('db'), gateway(c), currentUser(c).org.id);
    return redirectWith(c, '/settings/payments', state ? returnNotice(state) : undefined);
  });
