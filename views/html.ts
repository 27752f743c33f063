import { h, type ComponentChildren, type VNode } from 'preact';
import htm from 'htm';
import { renderToString } from 'preact-render-to-string';

export const html = htm.bind(h);
export type Children = ComponentChildren;

export function renderPage(vnode: VNode | ComponentChildren): string {
  return '<!doctype html>' + renderToString(vnode as VNode);
}
