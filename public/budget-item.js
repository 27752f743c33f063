// Enhances the cost item form: markup % and unit price follow each other as you type.
const form = document.querySelector('[data-item-form]');
if (form) {
  const $ = (name) => form.elements.namedItem(name);
  const num = (el) => Number(String(el.value).replace(/[,$\s]/g, ''));
  const cost = $('unitCost');
  const markup = $('markup');
  const price = $('unitPrice');
  const mode = (m) => form.querySelectorAll('input[name="priceBy"]').forEach((r) => (r.checked = r.value === m));
  const fromMarkup = () => {
    if (!Number.isFinite(num(cost)) || !Number.isFinite(num(markup)) || markup.value === '') return;
    price.value = (Math.round(num(cost) * (100 + num(markup))) / 100).toFixed(2);
  };
  const fromPrice = () => {
    if (!Number.isFinite(num(cost)) || num(cost) === 0 || !Number.isFinite(num(price)) || price.value === '') return;
    markup.value = String(Math.round(((num(price) - num(cost)) / num(cost)) * 100000) / 1000);
  };
  markup.addEventListener('input', () => (mode('markup'), fromMarkup()));
  price.addEventListener('input', () => (mode('price'), fromPrice()));
  cost.addEventListener('input', () =>
    form.querySelector('input[name="priceBy"]:checked')?.value === 'price' ? fromPrice() : fromMarkup(),
  );
}
