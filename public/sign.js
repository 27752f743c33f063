// The signing form: a signature pad that survives resizing, Clear, the typed signature's preview,
// and checks before posting (name, consent, a drawing) with the message next to the field. Without
// scripts the typed signature works and the browser checks `required`. A drawing the server handed
// back with a refusal is put back on the pad.
import SignaturePad from '/vendor/signature_pad.min.js';

const form = document.querySelector('[data-sign-form]');
if (form) {
  form.noValidate = true;
  const $ = (s) => form.querySelector(s);
  const name = $('[name=name]');
  const consent = $('[name=consent]');
  const wrap = $('[data-signature-pad]');
  const canvas = wrap?.querySelector('canvas');
  const data = $('[data-signature-data]');
  const draw = $('[data-method-draw]');
  let pad;
  let kept = data?.value.startsWith('data:image/png;base64,') ? data.value : '';

  /** Shows `text` after `at` for `field` (or removes it); returns whether there was a problem. */
  const say = (field, at, text) => {
    const id = `${field.id || field.name || 'signature'}-hint`;
    let hint = document.getElementById(id);
    if (text && !hint) {
      hint = Object.assign(document.createElement('p'), { id, className: 'error' });
      hint.setAttribute('role', 'alert');
      at.after(hint);
      field.setAttribute('aria-describedby', id);
    }
    if (hint) hint.textContent = text || '';
    if (field !== canvas) text ? field.setAttribute('aria-invalid', 'true') : field.removeAttribute('aria-invalid');
    return !!text;
  };
  // The first listener: a refusal here also stops the pad's handler below.
  form.addEventListener('submit', (event) => {
    const empty = pad && draw.checked && pad.isEmpty();
    const wrong = [
      say(name, name, !name.value.trim() && 'Type your full legal name.') && name,
      consent &&
        say(consent, consent.parentNode, !consent.checked && 'Tick the box to sign electronically.') &&
        consent,
      pad && say(canvas, canvas, empty && 'Draw your signature in the box, or choose “Type it”.') && canvas,
    ].find(Boolean);
    if (!wrong) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    wrong.focus();
    wrong.scrollIntoView({ block: 'center' });
  });
  consent?.addEventListener('change', () => consent.checked && say(consent, consent, ''));

  if (wrap) {
    const preview = $('[data-typed-preview]');
    pad = new SignaturePad(canvas, { minWidth: 0.8, maxWidth: 2.6, penColor: '#111827' });
    const resize = () => {
      const strokes = pad.toData();
      const ratio = Math.max(window.devicePixelRatio || 1, 1);
      const old = Number(canvas.dataset.width || canvas.offsetWidth);
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext('2d').scale(ratio, ratio);
      pad.clear();
      if (kept) pad.fromDataURL(kept);
      // Strokes are kept in CSS pixels: scale them to the new width so the drawing keeps its shape.
      const k = canvas.offsetWidth / old;
      pad.fromData(
        strokes.map((s) => ({ ...s, points: s.points.map((p) => ({ ...p, x: p.x * k, y: p.y * k })) })),
        { clear: !kept },
      );
      canvas.dataset.width = String(canvas.offsetWidth);
    };
    const showMode = () => {
      wrap.hidden = !draw.checked;
      preview.hidden = draw.checked;
      // The script font is fetched only once the typed signature shows (noscript.css does it without scripts).
      preview.classList.toggle('script', !draw.checked);
      if (draw.checked) resize();
    };
    // With scripts, drawing is the default (typing is one click away), unless typing was chosen and sent.
    if (form.dataset.method !== 'typed') draw.checked = true;
    for (const r of form.querySelectorAll('[name=method]')) r.addEventListener('change', showMode);
    // live.js runs this module again for a form it swaps in: a replaced form's listener lets go.
    const onResize = () => (canvas.isConnected ? resize() : window.removeEventListener('resize', onResize));
    window.addEventListener('resize', onResize);
    $('[data-signature-clear]').addEventListener('click', () => {
      kept = '';
      pad.clear();
    });
    pad.addEventListener('beginStroke', () => say(canvas, canvas, ''));
    name.addEventListener('input', () => (preview.textContent = name.value));
    showMode();
    form.addEventListener('submit', () => {
      data.value = !draw.checked ? '' : kept && !pad.toData().length ? kept : pad.toDataURL('image/png');
    });
  }
}
