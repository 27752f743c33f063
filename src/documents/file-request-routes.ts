import { Hono } from 'hono';
import { Refused } from '../errors';
import type { AppEnv } from '../http/context';
import { redirectWith } from '../http/render';
import { cleanText, readForm } from '../http/validate';
import { askForFiles, removeRequestedFile, waiveRequestedFile } from './file-request-actions';
import { contractor, fileRequestRefused } from './pages';

// Issue 20, part D: the contractor's side of requested files on a sent document (the send asks for the
// first ones): ask for another, waive a required one, stop asking. Each goes through the document's room.

const SLOT_ID = '{[a-z0-9]{8,40}}';

export const fileRequestRoutes = new Hono<AppEnv>()
  .post('/documents/:id/file-requests', async (c) => {
    const { actor, scope } = contractor(c);
    const raw = await readForm(c);
    const name = cleanText(raw.slotName ?? '', false);
    const documentId = c.req.param('id');
    const slots = [{ name, required: raw.slotOptional !== 'on' }];
    try {
      await askForFiles(c.env, c.get('db'), actor, { ...scope, documentId, slots });
    } catch (err) {
      if (err instanceof Refused && err.field === 'slotName')
        return fileRequestRefused(c, raw, { slotName: err.message });
      throw err;
    }
    return redirectWith(c, `/documents/${documentId}#requested-files`, `Asked for ${name}.`);
  })
  .post(`/documents/:id/file-requests/:slotId${SLOT_ID}/waive`, async (c) => {
    const { actor, scope } = contractor(c);
    const documentId = c.req.param('id');
    const slotId = c.req.param('slotId');
    const { name } = await waiveRequestedFile(c.env, c.get('db'), actor, { ...scope, documentId, slotId });
    return redirectWith(
      c,
      `/documents/${documentId}#requested-files`,
      `${name} waived: signing no longer waits for it.`,
    );
  })
  .post(`/documents/:id/file-requests/:slotId${SLOT_ID}/remove`, async (c) => {
    const { actor, scope } = contractor(c);
    const documentId = c.req.param('id');
    const slotId = c.req.param('slotId');
    const { name } = await removeRequestedFile(c.env, c.get('db'), actor, { ...scope, documentId, slotId });
    return redirectWith(c, `/documents/${documentId}#requested-files`, `No longer asking for ${name}.`);
  });
