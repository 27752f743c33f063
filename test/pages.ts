import { and, desc, eq } from 'drizzle-orm';
import { costGroups, costItems } from '../src/db/schema';
import { type Browser, db } from './helpers';

// Reading rendered pages the way a person reads them, and budget fixtures made through the forms.

/** Text of rendered HTML with its entities read back. */
export const unescape = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

/** The message shown under a form field, or undefined when it has none. */
export function fieldError(body: string, name: string): string | undefined {
  const m = new RegExp(`id="f-${name}-error"[^>]*>([^<]*)<`).exec(body);
  return m ? unescape(m[1]) : undefined;
}

const TAG_ATTRS = `((?:[^>"]|"[^"]*")*)`; // attribute values may hold a raw ">"

function attrs(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/([\w-]+)(?:="([^"]*)")?/g)].map((m) => [m[1], unescape(m[2] ?? '')]));
}

/** The HTML of the first form posting to `action`, to read one form of a page with several. */
export function formHtml(body: string, action: string): string {
  const start = body.indexOf(`action="${action}"`);
  if (start < 0) throw new Error(`no form posts to ${action}`);
  return body.slice(body.lastIndexOf('<form', start), body.indexOf('</form>', start) + 7);
}

/** The value an input (or textarea) named `name` is rendered with; the first one on the page. */
export function inputValue(body: string, name: string): string | undefined {
  for (const m of body.matchAll(new RegExp(`<input\\b${TAG_ATTRS}>`, 'g'))) {
    const a = attrs(m[1]);
    if (a.name === name) return a.value ?? '';
  }
  for (const m of body.matchAll(new RegExp(`<textarea\\b${TAG_ATTRS}>([^<]*)</textarea>`, 'g'))) {
    if (attrs(m[1]).name === name) return unescape(m[2]);
  }
  return undefined;
}

/** The value of the selected option of a select named `name`. */
export function selectedOption(body: string, name: string): string | undefined {
  for (const m of body.matchAll(new RegExp(`<select\\b${TAG_ATTRS}>([\\s\\S]*?)</select>`, 'g'))) {
    if (attrs(m[1]).name !== name) continue;
    for (const o of m[2].matchAll(new RegExp(`<option\\b${TAG_ATTRS}>`, 'g'))) {
      const a = attrs(o[1]);
      if ('selected' in a) return a.value;
    }
  }
  return undefined;
}

export async function addGroup(browser: Browser, jobId: string, name: string) {
  const res = await browser.post(`/jobs/${jobId}/groups`, { name });
  if (res.status !== 303) throw new Error(`group failed: ${res.status}`);
  const group = await db().query.costGroups.findFirst({
    where: and(eq(costGroups.jobId, jobId), eq(costGroups.name, name)),
    orderBy: desc(costGroups.createdAt),
  });
  return group!.id;
}

export const itemFields = (groupId: string, fields: Record<string, string> = {}): Record<string, string> => ({
  name: 'Framing lumber',
  groupId,
  costType: 'materials',
  quantity: '10',
  unit: 'ea',
  unitCost: '12.50',
  priceBy: 'markup',
  markup: '20',
  ...fields,
});

export async function addItem(browser: Browser, jobId: string, groupId: string, fields: Record<string, string> = {}) {
  const form = itemFields(groupId, fields);
  const res = await browser.post(`/jobs/${jobId}/items`, form);
  if (res.status !== 303) throw new Error(`item failed: ${res.status} ${await res.text()}`);
  const item = await db().query.costItems.findFirst({
    where: and(eq(costItems.groupId, groupId), eq(costItems.name, form.name)),
    orderBy: desc(costItems.position),
  });
  return item!.id;
}
