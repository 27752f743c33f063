import { Hono } from 'hono';
import { html } from '../../views/html';
import { ActivityPage, type FeedItem } from '../../views/dashboard/activity';
import { currentUser } from '../auth/session';
import { kindOf } from '../documents/kinds';
import type { AppEnv } from '../http/context';
import { pageContext, render } from '../http/render';
import { ACTION_LABELS, describeEvent } from './feed';
import { decodeCursor, encodeCursor, feedStatement, PAGE_SIZE } from './feed-queries';

type FeedRow = Awaited<ReturnType<typeof feedStatement>>[number];

export function feedItems(rows: FeedRow[], currency: string): FeedItem[] {
  return rows.map((r) => ({
    ...describeEvent(r.event, currency),
    documentId: r.event.documentId,
    documentLabel: r.documentNumber ? `${kindOf(r.documentType ?? '', r.documentSubtype ?? null)?.label ?? ''} ${r.documentNumber}`.trim() : null,
    jobId: r.event.jobId,
    jobName: r.jobName ?? null,
  }));
}

export const feedRoutes = new Hono<AppEnv>().get('/activity', async (c) => {
  const { org } = currentUser(c);
  const db = c.get('db');
  const q = c.req.query();
  const jobId = /^[a-z0-9]{8,40}$/.test(q.job ?? '') ? q.job : undefined;
  const action = q.action && q.action in ACTION_LABELS ? q.action : undefined;
  const side = q.side === 'contractor' || q.side === 'recipient' ? q.side : undefined;
  const before = decodeCursor(q.before);
  const [rows, jobs] = await db.batch([
    feedStatement(db, org.id, { jobId, action, side, before }),
    db.query.jobs.findMany({ columns: { id: true, name: true }, where: (j, { eq }) => eq(j.orgId, org.id), orderBy: (j, { desc }) => desc(j.number) }),
  ]);
  const page = rows.slice(0, PAGE_SIZE);
  const next = rows.length > PAGE_SIZE ? encodeCursor(page[page.length - 1].event) : null;
  const actions = Object.entries(ACTION_LABELS).map(([value, label]) => ({ value, label: label.charAt(0).toUpperCase() + label.slice(1) }));
  return render(c, html`<${ActivityPage} ctx=${pageContext(c)} items=${feedItems(page, org.currency)} filters=${{ job: jobId ?? '', action: action ?? '', side: side ?? '' }} jobs=${jobs} actions=${actions} next=${next} />`);
});
