import { Hono } from 'hono';
import { emptyForm, type FormState } from '../../views/components/form';
import { ReminderSettingsPage } from '../../views/dashboard/settings-reminders';
import { html } from '../../views/html';
import { currentUser } from '../auth/session';
import type { AppContext, AppEnv } from '../http/context';
import { pageContext, redirectWith, render } from '../http/render';
import { FormCheck, readForm } from '../http/validate';
import { companyPlan } from '../reminders/plan';
import {
  checkReminderSettings,
  planValues,
  reminderSettings,
  setDailyDigest,
  updateReminderSettings,
} from './reminders';

// Settings → Reminders (issue 16): the company's defaults (whoever may change the company's settings, like
// Settings itself) and the signed-in user's own daily digest switch (every user, their own row only).

async function remindersPage(c: AppContext, form?: FormState, status: 200 | 422 = 200) {
  const { user, org } = currentUser(c);
  const s = await reminderSettings(c.get('db'), { orgId: org.id, userId: user.id });
  const plan = companyPlan({ ...s.org, remindersOn: true });
  const shown = form ?? emptyForm({ remindersOn: s.org.remindersOn ? 'on' : '', ...planValues(plan) });
  const digestForm = emptyForm({ daily_digest: s.dailyDigest ? 'on' : '' });
  return render(
    c,
    html`<${ReminderSettingsPage} ctx=${pageContext(c)} form=${shown} digestForm=${digestForm} />`,
    status,
  );
}

export const reminderSettingsRoutes = new Hono<AppEnv>()
  .get('/settings/reminders', (c) => remindersPage(c))
  .post('/settings/reminders', async (c) => {
    const { org } = currentUser(c);
    const raw = await readForm(c);
    const { f, values } = checkReminderSettings(raw);
    if (!f.ok) return remindersPage(c, { values: raw, errors: f.errors }, 422);
    await updateReminderSettings(c.get('db'), org.id, values);
    return redirectWith(c, '/settings/reminders', 'Reminder settings saved.');
  })
  .post('/settings/reminders/digest', async (c) => {
    const { user, org } = currentUser(c);
    const on = new FormCheck(await readForm(c)).bool('daily_digest');
    await setDailyDigest(c.get('db'), { orgId: org.id, userId: user.id }, on);
    return redirectWith(c, '/settings/reminders', on ? 'Your daily digest is on.' : 'Your daily digest is off.');
  });
