// Enhances the "choose budget items" form: a group's box ticks its items, "Select all" ticks everything.
const form = document.querySelector('[data-select-items]');
if (form) {
  const all = form.querySelector('[data-select-all]');
  const items = () => [...form.querySelectorAll('input[name="item"]')];
  const sync = () => {
    for (const body of form.querySelectorAll('tbody[data-group]')) {
      const boxes = [...body.querySelectorAll('input[name="item"]')];
      const group = body.querySelector('[data-select-group]');
      const on = boxes.filter((b) => b.checked).length;
      group.checked = on === boxes.length && on > 0;
      group.indeterminate = on > 0 && on < boxes.length;
    }
    const on = items().filter((b) => b.checked).length;
    all.checked = on === items().length && on > 0;
    all.indeterminate = on > 0 && on < items().length;
  };
  form.addEventListener('change', (event) => {
    const t = event.target;
    if (t.matches('[data-select-all]')) items().forEach((b) => (b.checked = t.checked));
    if (t.matches('[data-select-group]'))
      t.closest('tbody')
        .querySelectorAll('input[name="item"]')
        .forEach((b) => (b.checked = t.checked));
    sync();
  });
  // The server reads item boxes; group and all boxes are only shortcuts once scripts run.
  form.addEventListener('submit', () => {
    all.disabled = true;
    form.querySelectorAll('[data-select-group]').forEach((g) => (g.disabled = true));
  });
  sync();
}
