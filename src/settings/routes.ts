import { createId } from '../db/ids';
import { eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { html } from '../../views/html';
import { emptyForm, type FormState } from '../../views/components/form';
import { SettingsPage, TeamPage } from '../../views/dashboard/settings';
import { rateInput } from '../../views/format';
import { renderMail } from '../../views/mail/message';
import { listTeam } from '../auth/queries';
import { currentUser, requireOwner } from '../auth/session';
import { invites, orgs } from '../db/schema';
import type { AppContext, AppEnv } from '../http/context';
import { notFound } from '../http/errors';
import { randomToken, sha256Hex } from '../http/crypto';
import { pageContext, redirectWith, render } from '../http/render';
import { FormCheck, readForm } from '../http/validate';
import { queueMail } from '../mail/outbox';
import { deliverSoon } from '../mail/deliver';
import { findUserByEmail } from '../auth/queries';

const HEX = /^#[0-9a-fA-F]{6}$/;
const MAX_LOGO_BYTES = 1024 * 1024;

export function imageType(bytes: Uint8Array): 'image/png' | 'image/jpeg' | null {
  if (bytes.length > 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47 && bytes[4] === 0x0d && bytes[5] === 0x0a && bytes[6] === 0x1a && bytes[7] === 0x0a) return 'image/png';
  if (bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return null;
}

async function loadOrg(c: AppContext) {
  const { org } = currentUser(c);
  const row = await c.get('db').query.orgs.findFirst({ where: eq(orgs.id, org.id) });
  if (!row) notFound();
  return row;
}

async function settingsPage(c: AppContext, forms: { form?: FormState; logoForm?: FormState } = {}, status: 200 | 422 = 200) {
  const org = await loadOrg(c);
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
      defaultTerms: org.defaultTerms,
      defaultFooter: org.defaultFooter,
      paymentInstructions: org.paymentInstructions,
    });
  return render(c, html`<${SettingsPage} ctx=${pageContext(c)} form=${form} logoForm=${forms.logoForm ?? emptyForm()} hasLogo=${!!org.logoKey} />`, status);
}

async function teamPage(c: AppContext, form: FormState = emptyForm(), status: 200 | 422 = 200) {
  const { user, org } = currentUser(c);
  const team = await listTeam(c.get('db'), org.id);
  return render(c, html`<${TeamPage} ctx=${pageContext(c)} members=${team.members} pending=${team.pending} form=${form} isOwner=${user.role === 'owner'} />`, status);
}

export const settingsRoutes = new Hono<AppEnv>()
  .get('/settings', (c) => settingsPage(c))
  .post('/settings', async (c) => {
    const { org } = currentUser(c);
    const raw = await readForm(c);
    const f = new FormCheck(raw);
    const values = {
      name: f.text('name', { label: 'Company name', required: true, max: 120 }),
      email: f.email('email', { label: 'Email' }),
      phone: f.text('phone', { label: 'Phone', max: 40 }),
      address: f.text('address', { label: 'Address', max: 300, multiline: true }),
      brandColor: f.text('brandColor', { label: 'Brand colour', required: true, max: 7 }),
      defaultTaxRate: f.rate('defaultTaxRate', { label: 'Default tax rate', min: 0, max: 50_000 }) ?? 0,
      portalLinkDays: f.integer('portalLinkDays', { label: 'Portal link lifetime', required: true, min: 1, max: 365 }) ?? 90,
      defaultTerms: f.text('defaultTerms', { label: 'Default terms', max: 5000, multiline: true }),
      defaultFooter: f.text('defaultFooter', { label: 'Default footer', max: 1000, multiline: true }),
      paymentInstructions: f.text('paymentInstructions', { label: 'Payment instructions', max: 2000, multiline: true }),
    };
    if (values.brandColor && !HEX.test(values.brandColor)) f.fail('brandColor', 'Brand colour must be a colour like #1f5f8b.');
    if (!f.ok) return settingsPage(c, { form: { values: raw, errors: f.errors } }, 422);
    await c.get('db').update(orgs).set(values).where(eq(orgs.id, org.id));
    return redirectWith(c, '/settings', 'Settings saved.');
  })
  .post('/settings/logo', async (c) => {
    const org = await loadOrg(c);
    const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const file = body.logo;
    const fail = (message: string) => settingsPage(c, { logoForm: { values: {}, errors: { logo: message } } }, 422);
    if (!(file instanceof File) || file.size === 0) return fail('Choose a PNG or JPEG file to upload.');
    if (file.size > MAX_LOGO_BYTES) return fail('The logo must be at most 1 MB.');
    const bytes = new Uint8Array(await file.arrayBuffer());
    const type = imageType(bytes);
    if (!type) return fail('The logo must be a PNG or JPEG image.');
    const key = `org/${org.id}/logo/${createId()}`;
    const FILES = c.env.FILES;
    await FILES.put(key, bytes, { httpMetadata: { contentType: type } });
    try {
      await c.get('db').update(orgs).set({ logoKey: key, logoContentType: type }).where(eq(orgs.id, org.id));
    } catch (err) {
      await FILES.delete(key);
      throw err;
    }
    if (org.logoKey) c.executionCtx.waitUntil(FILES.delete(org.logoKey));
    return redirectWith(c, '/settings', 'Logo uploaded.');
  })
  .get('/settings/logo', async (c) => {
    const org = await loadOrg(c);
    if (!org.logoKey) notFound();
    const obj = await c.env.FILES.get(org.logoKey);
    if (!obj) notFound();
    return new Response(obj.body, { headers: { 'Content-Type': org.logoContentType ?? 'application/octet-stream', 'Cache-Control': 'private, max-age=300' } });
  })
  .get('/settings/team', (c) => teamPage(c))
  .post('/settings/team/invite', async (c) => {
    requireOwner(c);
    const { user, org } = currentUser(c);
    const db = c.get('db');
    const raw = await readForm(c);
    const f = new FormCheck(raw);
    const name = f.text('name', { label: 'Name', required: true, max: 120 });
    const email = f.email('email', { label: 'Email', required: true });
    if (f.ok && (await findUserByEmail(db, email))) f.fail('email', 'Someone with this email already has an account.');
    if (!f.ok) return teamPage(c, { values: raw, errors: f.errors }, 422);
    const orgRow = await loadOrg(c);
    const token = randomToken(32);
    const now = Date.now();
    const link = `${new URL(c.req.url).origin}/invite/${token}`;
    const mail = renderMail({
      brand: { companyName: orgRow.name, brandColor: orgRow.brandColor, address: orgRow.address, phone: orgRow.phone, email: orgRow.email },
      heading: `${user.name} invited you to ${orgRow.name}`,
      paragraphs: [`You have been invited to join ${orgRow.name} on Contractor Portal, where the team prepares estimates, orders and invoices for its jobs.`, 'Choose a password to finish setting up your account. This link works for 7 days.'],
      button: { label: 'Accept invitation', href: link },
      footnote: 'If you were not expecting this invitation, you can ignore this email.',
    });
    await db.batch([
      db.insert(invites).values({ id: createId(), orgId: org.id, email, name, tokenHash: await sha256Hex(token), invitedBy: user.id, expiresAt: now + 7 * 86_400_000, createdAt: now }),
      queueMail(db, { orgId: org.id, kind: 'invite', to: { email, name }, fromName: orgRow.name, replyTo: user.email, subject: `${user.name} invited you to ${orgRow.name}`, ...mail }, now),
    ]);
    deliverSoon(c);
    return redirectWith(c, '/settings/team', `Invitation sent to ${email}.`);
  });

