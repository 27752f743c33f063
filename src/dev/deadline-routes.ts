import { and, eq, isNotNull } from 'drizzle-orm';
import { Hono } from 'hono';
import { html } from '../../views/html';
import { DevDeadlinePage } from '../../views/portal/dev-deadline';
import { documents } from '../db/schema';
import type { AppContext, AppEnv } from '../http/context';
import { notFound } from '../http/errors';
import { redirectWith, render } from '../http/render';
import { readForm } from '../http/validate';
import { developmentOnly } from './only';
import { isCalendarDate } from '../deadlines/actions';

// Development and tests only (404 elsewhere, like /dev/mail): moves a sent document's deadline
// (`documents.deadline`) to any date, past ones included, so a browser can see an estimate expire or a
// bid request close without waiting a day. For the signed-in contractor's own documents; straight to D1,
// no room, no timeline line: what a real extension does is deadlines/actions.ts.

async function sentDocument(c: AppContext) {
  const user = c.get('user');
  if (!user) notFound();
  const [doc] = await c
    .get('db')
    .select({ id: documents.id, number: documents.number, deadline: documents.deadline })
    .from(documents)
    .where(
      and(eq(documents.orgId, user.orgId), eq(documents.id, c.req.param('id') ?? ''), isNotNull(documents.sentVersion)),
    );
  if (!doc) notFound();
  return doc;
}

export const devDeadlineRoutes = new Hono<AppEnv>()
  .use('/dev/*', developmentOnly)
  .get('/dev/documents/:id/deadline', async (c) => {
    const doc = await sentDocument(c);
    return render(c, html`<${DevDeadlinePage} nonce=${c.get('nonce')} csrf=${c.get('csrf')} doc=${doc} />`);
  })
  .post('/dev/documents/:id/deadline', async (c) => {
    const doc = await sentDocument(c);
    const deadline = (await readForm(c)).deadline ?? '';
    if (!isCalendarDate(deadline)) {
      const error = 'Enter a date as YYYY-MM-DD.';
      const page = html`<${DevDeadlinePage} nonce=${c.get('nonce')} csrf=${c.get('csrf')} doc=${doc} error=${error} />`;
      return render(c, page, 422);
    }
    await c
      .get('db')
      .update(documents)
      .set({ deadline })
      .where(and(eq(documents.orgId, c.get('user')!.orgId), eq(documents.id, doc.id)));
    return redirectWith(c, `/documents/${doc.id}`, `Deadline of ${doc.number} moved to ${deadline} (development).`);
  });
