import { Hono } from 'hono';
import { emptyForm, type FormState } from '../../views/components/form';
import { SettingsPage, TeamPage } from '../../views/dashboard/settings';
import { rateInput } from '../../views/format';
import { html } from '../../views/html';
import { listTeam } from '../auth/queries';
import { currentUser, requireOwner } from '../auth/session';
import { readCappedBody, type BodyCap } from '../http/body';
import type { AppContext, AppEnv } from '../http/context';
import { notFound } from '../http/errors';
import { pageContext, redirectWith, refusedOnField, render } from '../http/render';
import { readForm } from '../http/validate';
import { deliverSoon } from '../mail/deliver';
import { checkInvite, checkSettings, inviteTeammate, MAX_LOGO_BYTES, updateSettings, uploadLogo } from './actions';
import { findOrg } from './queries';

/** The logo form's body: the logo's limit and a little for the form, read only for a signed-in user. */
export const LOGO_BODY_CAP: BodyCap = { max: MAX_LOGO_BYTES + 64 * 1024, message: 'The logo must be at most 1 MB.' };

async function loadOrg(c: AppContext) {
  const { org } = currentUser(c);
  const row = await findOrg(c.get('db'), org.id);
  if (!row) notFound();
  return row;
}

async function settingsPage(
  c: AppContext,
  forms: { form?: FormState; logoForm?: FormState } = {},
  status: 200 | 422 = 200,
) {
  const org = await findOrg(c.get('db'), currentUser(c).org.id);
  if (!org) notFound();
  const form =
    forms.form ??
    emptyForm({
      name: org.name,
      email: org.email,
      phone: org.phone,
      address: org.address,
      brandColor: org.brandColor,
      defaultTaxRate: rateInput(org.defaultTaxRate),
      portalLinkDays: String(org.portalLinkDays),
      defaultFooter: org.defaultFooter,
      paymentInstructions: org.paymentInstructions,
      countersignDefault: org.countersignDefault ? 'on' : '',
      emailCodeDefault: org.emailCodeDefault ? 'on' : '',
    });
  return render(
    c,
    html`<${SettingsPage} ctx=${pageContext(c)} form=${form} logoForm=${forms.logoForm ?? emptyForm()}
      hasLogo=${!!org.logoKey} />`,
    status,
  );
}

async function teamPage(c: AppContext, form: FormState = emptyForm(), status: 200 | 422 = 200) {
  const { user, org } = currentUser(c);
  const team = await listTeam(c.get('db'), org.id);
  return render(
    c,
    html`<${TeamPage} ctx=${pageContext(c)} members=${team.members} pending=${team.pending} form=${form}
      isOwner=${user.role === 'owner'} />`,
    status,
  );
}

export const settingsRoutes = new Hono<AppEnv>()
  .get('/settings', (c) => settingsPage(c))
  .post('/settings', async (c) => {
    const { org } = currentUser(c);
    const raw = await readForm(c);
    const { f, values } = checkSettings(raw);
    if (!f.ok) return settingsPage(c, { form: { values: raw, errors: f.errors } }, 422);
    await updateSettings(c.get('db'), org.id, values);
    return redirectWith(c, '/settings', 'Settings saved.');
  })
  .post('/settings/logo', async (c) => {
    const { org } = currentUser(c);
    const body = await readCappedBody(c);
    const file = body.logo instanceof File ? body.logo : null;
    const again = (errors: Record<string, string>) => settingsPage(c, { logoForm: { values: {}, errors } }, 422);
    const refused = await refusedOnField(() => uploadLogo(c.env, c.get('db'), org.id, file), again);
    return refused ?? redirectWith(c, '/settings', 'Logo uploaded.');
  })
  .get('/settings/logo', async (c) => {
    const org = await loadOrg(c);
    const obj = org.logoKey ? await c.env.FILES.get(org.logoKey) : null;
    if (!obj) notFound();
    return new Response(obj.body, {
      headers: {
        'Content-Type': org.logoContentType ?? 'application/octet-stream',
        'Cache-Control': 'private, max-age=300',
      },
    });
  })
  .get('/settings/team', (c) => teamPage(c))
  .post('/settings/team/invite', async (c) => {
    requireOwner(c);
    const { user } = currentUser(c);
    const raw = await readForm(c);
    const { f, values } = checkInvite(raw);
    const again = (errors: Record<string, string>) => teamPage(c, { values: raw, errors }, 422);
    if (!f.ok) return again(f.errors);
    const inviter = { orgId: user.orgId, userId: user.id, name: user.name, email: user.email };
    const refused = await refusedOnField(
      () => inviteTeammate(c.get('db'), inviter, { ...values, origin: c.env.APP_ORIGIN }),
      again,
    );
    if (refused) return refused;
    deliverSoon(c);
    return redirectWith(c, '/settings/team', `Invitation sent to ${values.email}.`);
  });
