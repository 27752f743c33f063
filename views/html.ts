import { h, type ComponentChildren, type VNode } from 'preact';
import htm from 'htm';
import { renderToString } from 'preact-render-to-string';

export const html = htm.bind(h);
export type Children = ComponentChildren;

/**
 * Text or an attribute value escaped as preact-render-to-string escapes it (", & and <). For the lists a
 * page repeats hundreds of times (budget rows, document lines, comments, timeline entries), which are
 * written as text: made as vnodes (htm, then preact) they were most of their pages' CPU (npm run bench --
 * --profile). test/node/*-rows.test.mjs hold each equal to the vnodes it replaced.
 */
export const escapeHtml = (text: string) =>
  /["&<]/.test(text) ? text.replace(/["&<]/g, (c) => (c === '"' ? '&quot;' : c === '&' ? '&amp;' : '&lt;')) : text;

export function renderPage(vnode: VNode | ComponentChildren): string {
  return '<!doctype html>' + renderToString(vnode as VNode);
}
