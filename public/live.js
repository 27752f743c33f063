// Live pages: comments, files, timeline events and a portal document's outcome appear without
// reloading. Without this script every form still works.
const section = document.querySelector('[data-live]');
if (section) {
  const thread = section.querySelector('[data-thread]');
  const timeline = document.querySelector('[data-timeline]');
  const fileList = document.querySelector('[data-files]');
  const csrf = document.querySelector('input[name="_csrf"]')?.value ?? '';
  const fragment = (html) => document.createRange().createContextualFragment(html);
  const seen = (list, selector) => list && list.querySelector(selector);

  // An event with `say` fetches the page again and swaps its regions ([data-region]: a portal
  // document's summary and decision; the contractor's header, decision and payments) but one typed
  // or drawn in, which waits behind "Show the latest". A new sign form runs sign.js again.
  const regions = (root) => root.querySelectorAll('[data-region]');
  const regioned = regions(document).length;
  const touched = new Set();
  const touch = (e) => touched.add(e.target.closest('[data-region]'));
  addEventListener('input', touch);
  addEventListener('pointerdown', (e) => e.target.localName === 'canvas' && touch(e));
  const busy = (r, f = document.activeElement) => touched.has(r) || (r.contains(f) && f.matches('input,textarea'));
  const say = document.createElement('p');
  say.className = 'visually-hidden';
  say.setAttribute('role', 'status');
  if (regioned) document.querySelector('main')?.append(say);
  const notice = document.createElement('p');
  notice.className = 'notice';
  notice.innerHTML = 'This document changed. <button type="button" class="btn small">Show the latest</button>';
  let latest;
  notice.onclick = (e) => e.target.type && notice.remove(swap(latest, '', true));

  const swap = (next, reason, force) => {
    let held;
    let prev;
    for (const fresh of regions(next)) {
      const shown = document.querySelector(`[data-region="${fresh.dataset.region}"]`);
      if (shown && !force && busy(shown)) {
        held ??= shown;
        prev = shown;
      } else {
        reason ||= shown?.querySelector('[data-live-pending]')?.dataset.livePending;
        shown ? shown.replaceWith(fresh) : prev?.after(fresh);
        if (fresh.querySelector('[data-sign-form]')) import(`/sign.js?${Date.now()}`);
        prev = fresh;
      }
    }
    latest = next;
    held?.before(notice);
    const status = document.querySelector('[data-region="summary"] .status')?.textContent ?? '';
    if (held || reason) say.textContent = held ? notice.textContent : `${reason} ${status}`;
  };

  let running;
  let queued;
  const refresh = async (reason) => {
    if (running) return (queued = reason);
    running = 1;
    try {
      const res = await fetch(location.pathname, { headers: { 'X-Live-Refresh': '1' } });
      if (res.ok) swap(new DOMParser().parseFromString(await res.text(), 'text/html'), reason);
    } catch {}
    running = 0;
    if (queued != null) refresh(queued, (queued = null));
  };

  const apply = (event) => {
    if (event.type === 'comment' && event.html && thread) {
      const node = fragment(event.html).firstElementChild;
      if (node && !seen(thread, `[data-id="${node.dataset.id}"]`)) {
        thread.append(node);
        section.querySelector('[data-thread-empty]')?.remove();
      }
    }
    if (event.type === 'file_added' && event.html && fileList) {
      const node = fragment(event.html).firstElementChild;
      if (node && !seen(fileList, `[data-id="${node.dataset.id}"]`)) {
        node.querySelectorAll('input[name="_csrf"]').forEach((input) => (input.value = csrf));
        fileList.append(node);
        document.querySelector('[data-files-empty]')?.remove();
      }
    }
    if (event.type === 'file_removed' && fileList) seen(fileList, `[data-id="${event.fileId}"]`)?.remove();
    if (event.timeline && timeline) {
      const node = fragment(event.timeline).firstElementChild;
      // Newest first; a line standing for several events ("viewed it 3 times") replaces its older self.
      if (node && !seen(timeline, `[data-seq="${node.dataset.seq}"]`)) {
        if (node.dataset.entry) seen(timeline, `[data-entry="${node.dataset.entry}"]`)?.remove();
        timeline.prepend(node);
      }
    }
    if (event.say && regioned) refresh(event.say);
  };

  let socket;
  let delay = 1000;
  let opened = false;
  const connect = () => {
    const url = new URL(section.dataset.live, location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = new WebSocket(url);
    socket.addEventListener('open', () => {
      delay = 1000;
      // What happened while no socket listened (a reconnect, a seal before the page).
      if (regioned && (opened || document.querySelector('[data-live-pending]'))) refresh('');
      opened = true;
    });
    socket.addEventListener('message', (m) => {
      if (m.data === 'pong') return;
      try {
        apply(JSON.parse(m.data));
      } catch {}
    });
    socket.addEventListener('close', (event) => {
      // Access ended (revoked, voided): say why; reconnecting would be refused.
      if (event.code === 4403) {
        notice.className = 'form-summary';
        say.textContent = notice.textContent = event.reason || 'This document is no longer available to you.';
        const decide = document.querySelector('[data-region="decide"]');
        if (decide && !busy(decide)) decide.replaceChildren(notice.cloneNode(true));
        return document.querySelector('[data-region]')?.after(notice);
      }
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    });
  };
  connect();
  setInterval(() => socket?.readyState === 1 && socket.send('ping'), 45000);

  const form = section.querySelector('[data-comment-form]');
  form?.addEventListener('submit', async (event) => {
    event.preventDefault();
    const box = form.querySelector('textarea');
    const error = form.querySelector('[data-comment-error]');
    const button = form.querySelector('button[type="submit"]');
    error.hidden = true;
    button.disabled = true;
    try {
      const res = await fetch(form.action, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrf },
        // The portal's form posts to the document's own address with its intent (the dashboard's has none).
        body: JSON.stringify({ intent: form.elements.intent?.value, body: box.value }),
      });
      const data = await res.json().catch(() => ({}));
      if (!res.ok) {
        error.textContent = data.error ?? 'The comment could not be posted. Try again.';
        error.hidden = false;
        return;
      }
      box.value = '';
      if (socket?.readyState !== 1) location.reload();
    } catch {
      error.textContent = 'You appear to be offline. The comment was not posted.';
      error.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
}
