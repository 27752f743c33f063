// Suggests a new document's title from the budget groups ticked and its kind ("Demolition and
// Electrical — estimate"), as documents/drafts.ts `suggestedTitle` does, until the title is typed in.
const form = document.querySelector('form[data-title-kind]');
const title = form?.querySelector('#f-title');
if (form && title) {
  const list = (names) =>
    names.length <= 1
      ? (names[0] ?? '')
      : names.length > 3
        ? `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`
        : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  const suggest = () => {
    const groups = [...form.querySelectorAll('tbody[data-group]')].filter((body) =>
      [...body.querySelectorAll('input[name="item"]')].some((b) => b.checked),
    );
    const names = groups.map((body) => body.querySelector('th label')?.textContent.trim() ?? '');
    const suffix = ` — ${form.dataset.titleKind}`;
    return (list(names.filter(Boolean)) || form.dataset.titleJob).slice(0, 200 - suffix.length) + suffix;
  };
  let suggested = title.value;
  title.addEventListener('input', () => (suggested = null));
  // After select-items.js has ticked a group's items (its listener was added first).
  form.addEventListener('change', (event) => {
    if (event.target === title || suggested === null || title.value !== suggested) return;
    title.value = suggested = suggest();
  });
}
