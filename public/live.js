// Live conversation: new comments, files and timeline events appear without reloading, and
// posting a comment does not reload the page. Without this script every form still works.
const section = document.querySelector('[data-live]');
if (section) {
  const thread = section.querySelector('[data-thread]');
  const timeline = document.querySelector('[data-timeline]');
  const fileList = document.querySelector('[data-files]');
  const csrf = document.querySelector('input[name="_csrf"]')?.value ?? '';
  const fragment = (html) => document.createRange().createContextualFragment(html);
  const seen = (list, selector) => list && list.querySelector(selector);

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
      if (node && !seen(timeline, `[data-seq="${node.dataset.seq}"]`)) timeline.append(node);
    }
  };

  let socket;
  let delay = 1000;
  const connect = () => {
    const url = new URL(section.dataset.live, location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = new WebSocket(url);
    socket.addEventListener('open', () => (delay = 1000));
    socket.addEventListener('message', (m) => {
      if (m.data === 'pong') return;
      try {
        apply(JSON.parse(m.data));
      } catch {}
    });
    socket.addEventListener('close', (event) => {
      if (event.code === 4403) return; // access ended (revoked, voided): reconnecting would only be refused
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
        body: JSON.stringify({ body: box.value }),
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
