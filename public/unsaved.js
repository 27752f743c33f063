// Warns before leaving the draft editor with changes that were not saved. Saving (any submit
// button of the form, "Send to …" included) is leaving on purpose.
const form = document.querySelector('form[data-unsaved]');
if (form) {
  // A refused save comes back with what was typed and not saved: leaving it is losing it.
  let dirty = document.querySelector('[data-focus-error], .has-error') !== null;
  const touched = () => (dirty = true);
  form.addEventListener('input', touched);
  form.addEventListener('change', touched);
  form.addEventListener('submit', () => (dirty = false));
  window.addEventListener('beforeunload', (event) => {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = form.dataset.unsaved;
  });
}
