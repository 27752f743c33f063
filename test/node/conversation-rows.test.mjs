import { renderToString } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import { commentItemHtml, timelineEntryHtml } from '../../views/components/conversation.ts';
import { dateTime } from '../../views/format.ts';
import { html } from '../../views/html.ts';

// Issue 19: a thread's comments and a timeline's entries are written as text (views/components/conversation.ts)
// instead of vnodes rendered by preact, on both document pages and in live updates. The markup must be the one
// the vnodes made: the references below are the components the pages used before, rendered by preact.

const URL_RE = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;

function Linkified({ text }) {
  const parts = [];
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    if (m.index > last) parts.push(text.slice(last, m.index));
    parts.push(html`<a href=${m[0]} rel="noopener noreferrer nofollow" target="_blank">${m[0]}</a>`);
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return html`<p class="comment-body pre">${parts}</p>`;
}

function CommentItem({ c, timeZone }) {
  const time = html`<time datetime=${new Date(c.createdAt).toISOString()}>${dateTime(c.createdAt, timeZone)}</time>`;
  return html`<li class=${`comment ${c.side}`} id=${`comment-${c.id}`} data-id=${c.id}>
    <div class="comment-meta"><strong>${c.authorName}</strong> <span class="muted">${c.sideLabel}</span> · ${time}</div>
    <${Linkified} text=${c.body} />
  </li>`;
}

function TimelineItem({ e, timeZone, showNetwork }) {
  const count = e.count ?? 1;
  const text =
    e.action === 'viewed' && count > 1 ? `viewed it ${count} times, last ${dateTime(e.createdAt, timeZone)}` : e.text;
  const networks = showNetwork && e.side === 'recipient' ? (e.networks ?? []) : [];
  const more = networks.length - 5;
  return html`<li class=${`event ${e.side} ${e.action}`} data-seq=${e.seq ?? ''} data-entry=${e.entry ?? e.id}>
    <time datetime=${new Date(e.createdAt).toISOString()}>${dateTime(e.createdAt, timeZone)}</time>
    <span><strong>${e.actorName}</strong> ${text}</span>
    ${e.detail ? html`<span class="muted small pre">${e.detail}</span>` : null}
    ${
      networks.length
        ? html`<details class="event-network small">
            <summary>Details</summary>
            ${networks.slice(0, 5).map((n) => html`<span class="muted">${n}</span>`)}
            ${more > 0 ? html`<span class="muted">and ${more} more</span>` : null}
          </details>`
        : null
    }
  </li>`;
}

const tricky = 'Doors & "frames" <oak> — 2\u00a0×\u00a04 ’s';
const zones = ['America/Chicago', 'Asia/Kathmandu'];

describe('a thread and a timeline written as text', () => {
  it('are the markup the vnodes made, escaped the same, for every kind of comment', () => {
    const bodies = [
      'Looks good.',
      tricky,
      'Line one\nline two\n\n  indented <script>alert(1)</script>',
      'See https://example.com/a?b=1&c="2" and http://x.test/path), then https://y.test.',
      'https://only.example/link',
      '',
    ];
    const sides = [
      ['contractor', 'Oak & Stone'],
      ['recipient', 'Customer'],
    ];
    for (const timeZone of zones)
      for (const body of bodies)
        for (const [side, sideLabel] of sides) {
          const c = { id: 'c1"x', side, authorName: tricky, sideLabel, body, createdAt: 1_764_500_000_000 };
          expect(commentItemHtml(c, timeZone)).toBe(
            renderToString(html`<${CommentItem} c=${c} timeZone=${timeZone} />`),
          );
        }
  });

  it('are the markup the vnodes made for every kind of timeline entry', () => {
    const networks = (n) => Array.from({ length: n }, (_, i) => `203.0.113.${i} · Safari on iPhone & "x" <y>`);
    const base = {
      id: 'a1',
      seq: 7,
      action: 'commented',
      side: 'contractor',
      actorName: tricky,
      text: 'commented: "fine" & <ok>',
      ip: null,
      userAgent: null,
      createdAt: 1_764_500_000_000,
    };
    const entries = [
      base,
      {
        ...base,
        seq: null,
        entry: 'views-3-ct"1',
        action: 'viewed',
        side: 'recipient',
        count: 4,
        networks: networks(3),
      },
      { ...base, action: 'viewed', side: 'recipient', count: 1, networks: networks(7), detail: 'Note:\n<b>x</b>' },
      { ...base, side: 'recipient', networks: [] },
      { ...base, side: 'system', detail: 'Reason & more' },
    ];
    for (const timeZone of zones)
      for (const e of entries)
        expect(timelineEntryHtml(e, timeZone)).toBe(
          renderToString(html`<${TimelineItem} e=${e} timeZone=${timeZone} showNetwork=${true} />`),
        );
  });
});
