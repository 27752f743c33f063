// Every portal page: a refused form's message (or a question before a final step) is marked
// data-focus-error; focus it and bring it near the top (app.css gives it a scroll margin, so what it
// belongs to shows above it and its form below). The browser's own scroll to the address's #anchor
// at load comes after this runs, so it is done again then.
const first = document.querySelector('[data-focus-error]');
if (first) {
  const show = () => {
    first.focus({ preventScroll: true });
    first.scrollIntoView({ block: 'start' });
  };
  show();
  addEventListener('load', () => setTimeout(show), { once: true });
}
