// Enhances the signing form: a signature pad (mouse, finger, pen) that survives resizing, Clear,
// and a live preview of the typed signature. Without scripts the typed signature still works.
import SignaturePad from '/vendor/signature_pad.min.js';

const form = document.querySelector('[data-sign-form]');
const wrap = form?.querySelector('[data-signature-pad]');
if (form && wrap) {
  const canvas = wrap.querySelector('canvas');
  const data = form.querySelector('[data-signature-data]');
  const preview = form.querySelector('[data-typed-preview]');
  const nameInput = form.querySelector('input[name="name"]');
  const draw = form.querySelector('[data-method-draw]');
  const pad = new SignaturePad(canvas, { minWidth: 0.8, maxWidth: 2.6, penColor: '#111827' });

  const resize = () => {
    const strokes = pad.toData();
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext('2d').scale(ratio, ratio);
    pad.clear();
    // Strokes are kept in CSS pixels: scale them to the new width so the drawing keeps its shape.
    const old = Number(canvas.dataset.width || canvas.offsetWidth);
    const k = canvas.offsetWidth / old;
    pad.fromData(strokes.map((s) => ({ ...s, points: s.points.map((p) => ({ ...p, x: p.x * k, y: p.y * k })) })));
    canvas.dataset.width = String(canvas.offsetWidth);
  };
  const showMode = () => {
    const drawing = draw.checked;
    wrap.hidden = !drawing;
    preview.hidden = drawing;
    if (drawing) resize();
  };
  draw.checked = true; // with scripts, drawing is the default; typing stays one click away
  form.querySelectorAll('input[name="method"]').forEach((r) => r.addEventListener('change', showMode));
  window.addEventListener('resize', resize);
  wrap.querySelector('[data-signature-clear]').addEventListener('click', () => pad.clear());
  nameInput.addEventListener('input', () => (preview.textContent = nameInput.value));
  showMode();

  form.addEventListener('submit', (event) => {
    if (!draw.checked) {
      data.value = '';
      return;
    }
    if (pad.isEmpty()) {
      event.preventDefault();
      canvas.focus();
      wrap.classList.add('has-error');
      let hint = wrap.querySelector('.error');
      if (!hint) {
        hint = document.createElement('p');
        hint.className = 'error';
        hint.setAttribute('role', 'alert');
        wrap.append(hint);
      }
      hint.textContent = 'Draw your signature in the box, or choose “Type it”.';
      return;
    }
    data.value = pad.toDataURL('image/png');
  });
}
