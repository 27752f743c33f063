import { renderPage } from '../../views/html';
import type { ComponentChildren } from 'preact';
import { prepared, type Db, type Prepared } from '../db/client';
import type { AppContext } from '../http/context';
import { notFound } from '../http/errors';
import { forgetPage, heldPage, holdRendered, pageKey, servePage, viewerPrint } from '../http/page-cache';
import { htmlResponse } from '../http/render';
import { currentSessionHash, requireUserWith } from './session';

// Issue 19: a contractor's page held per isolate while its stamp is unchanged (http/page-cache.ts; the job
// page, budget/pages.ts, and a sent document's, documents/pages.ts). The check and the hold, once for both.

/** The key a contractor's page is held under: the session's hash and the page's address. */
async function userPageKey(c: AppContext) {
  const hash = await currentSessionHash(c);
  return hash ? pageKey(hash, c.req.path + new URL(c.req.url).search) : null;
}

/**
 * A contractor's page as held for this request, when it `may` be (the page's own `holdable` rule): its key,
 * and the answer when the page held under it still stands. Its stamp (`stampQueries`, one statement answering
 * `{ stamp }`) is read with the session check in one round trip; the same stamp and the same contractor and
 * org answer the held page. A stamp that moved forgets the page (it is read again, and held again if it may
 * be); no stamp row is the stranger's 404.
 */
export async function heldUserPage(
  c: AppContext,
  may: boolean,
  stampQueries: (db: Db) => readonly [Prepared],
  values: Record<string, unknown>,
): Promise<{ key: string | null; answer?: Response }> {
  const key = may ? await userPageKey(c) : null;
  const page = key ? heldPage(key) : undefined;
  if (!key || !page) return { key };
  const [[row]] = (await requireUserWith(c, prepared(c.get('db'), stampQueries), values)) as [{ stamp: string }[]];
  if (row?.stamp === page.stamp && page.viewer === viewerPrint(c))
    return { key, answer: htmlResponse(c, servePage(c, page)) };
  forgetPage(key);
  if (!row) notFound();
  return { key };
}

/**
 * Renders a contractor's page and holds it under `key` with its `stamp` until `until` (http/page-cache.ts
 * heldUntil): `build` builds the page inside the hold, so its tokens are the hold's stand-ins.
 */
export function holdUserPage(c: AppContext, key: string, stamp: string, until: number, build: () => ComponentChildren) {
  const held = { stamp, viewer: viewerPrint(c), until, facts: null };
  return htmlResponse(c, holdRendered(c, key, held, () => ({ body: renderPage(build()), status: 200 })).body);
}
