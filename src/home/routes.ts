import { Hono } from 'hono';
import { HomePage } from '../../views/dashboard/home';
import { html } from '../../views/html';
import { currentUser } from '../auth/session';
import { feedItems } from '../conversation/feed-queries';
import type { AppEnv } from '../http/context';
import { pageContext, render } from '../http/render';
import { homePage } from './queries';
import { workQueue } from './queue';

export const homeRoutes = new Hono<AppEnv>().get('/', async (c) => {
  const { org } = currentUser(c);
  const now = Date.now();
  const home = await homePage(c.get('db'), org.id, org.timeZone, now);
  const { figures, groups } = workQueue(home, org.timeZone, now);
  const attention = feedItems(home.attention, org.currency);
  return render(
    c,
    html`<${HomePage} ctx=${pageContext(c)} jobs=${home.openJobs} figures=${figures} queue=${groups}
      attention=${attention} />`,
  );
});
