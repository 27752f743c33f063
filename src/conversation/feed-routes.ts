import { Hono } from 'hono';
import { ActivityPage } from '../../views/dashboard/activity';
import { html } from '../../views/html';
import { currentUser } from '../auth/session';
import type { AppEnv } from '../http/context';
import { pageContext, render } from '../http/render';
import { ACTION_LABELS } from './feed';
import { activityPage, decodeCursor, feedItems } from './feed-queries';

const capitalized = (label: string) => label.charAt(0).toUpperCase() + label.slice(1);
const ACTIONS = Object.entries(ACTION_LABELS).map(([value, label]) => ({ value, label: capitalized(label) }));

export const feedRoutes = new Hono<AppEnv>().get('/activity', async (c) => {
  const { org } = currentUser(c);
  const q = c.req.query();
  const jobId = /^[a-z0-9]{8,40}$/.test(q.job ?? '') ? q.job : undefined;
  const action = q.action && q.action in ACTION_LABELS ? q.action : undefined;
  const side = q.side === 'contractor' || q.side === 'recipient' ? q.side : undefined;
  const page = await activityPage(c.get('db'), org.id, { jobId, action, side, before: decodeCursor(q.before) });
  const filters = { job: jobId ?? '', action: action ?? '', side: side ?? '' };
  const items = feedItems(page.rows, org.currency);
  return render(
    c,
    html`<${ActivityPage} ctx=${pageContext(c)} items=${items} filters=${filters} jobs=${page.jobs} actions=${ACTIONS}
      next=${page.next} />`,
  );
});
