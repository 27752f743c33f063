import { html, type Children } from '../html';

export interface FormState {
  values: Record<string, string>;
  errors: Record<string, string>;
}

export const emptyForm = (values: Record<string, string> = {}): FormState => ({ values, errors: {} });

export function Csrf({ token }: { token: string }) {
  return html`<input type="hidden" name="_csrf" value=${token} />`;
}

interface FieldProps {
  form: FormState;
  name: string;
  label: string;
  type?: string;
  required?: boolean;
  hint?: string;
  autocomplete?: string;
  inputmode?: string;
  placeholder?: string;
  class?: string;
  step?: string;
  /** Shown on the label's line, at its end (a "Forgot password?" link, say). */
  aside?: Children;
}

export function Field({
  form,
  name,
  label,
  type = 'text',
  required,
  hint,
  autocomplete,
  inputmode,
  placeholder,
  class: cls,
  step,
  aside,
}: FieldProps) {
  const error = form.errors[name];
  const id = `f-${name}`;
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const labelled = html`<label for=${id}
    >${label}${required ? html`<span class="req" aria-hidden="true"> *</span>` : null}</label
  >`;
  return html`<div class=${`field ${cls ?? ''} ${error ? 'has-error' : ''}`}>
    ${aside ? html`<div class="label-row">${labelled} ${aside}</div>` : labelled}
    ${
      type === 'textarea'
        ? html`<textarea
            id=${id}
            name=${name}
            required=${required}
            aria-invalid=${error ? 'true' : undefined}
            aria-describedby=${describedBy}
            placeholder=${placeholder}
            rows="3"
          >${form.values[name] ?? ''}</textarea>`
        : html`<input
            id=${id}
            name=${name}
            type=${type}
            value=${form.values[name] ?? ''}
            required=${required}
            autocomplete=${autocomplete}
            inputmode=${inputmode}
            placeholder=${placeholder}
            step=${step}
            aria-invalid=${error ? 'true' : undefined}
            aria-describedby=${describedBy}
          />`
    }
    ${hint ? html`<p class="hint" id=${`${id}-hint`}>${hint}</p>` : null}
    ${error ? html`<p class="error" id=${`${id}-error`}>${error}</p>` : null}
  </div>`;
}

export function Select({
  form,
  name,
  label,
  options,
  required,
  empty,
}: {
  form: FormState;
  name: string;
  label: string;
  options: { value: string; label: string }[];
  required?: boolean;
  empty?: string;
}) {
  const error = form.errors[name];
  const id = `f-${name}`;
  const current = form.values[name] ?? '';
  return html`<div class=${`field ${error ? 'has-error' : ''}`}>
    <label for=${id}>${label}${required ? html`<span class="req" aria-hidden="true"> *</span>` : null}</label>
    <select
      id=${id}
      name=${name}
      required=${required}
      aria-invalid=${error ? 'true' : undefined}
      aria-describedby=${error ? `${id}-error` : undefined}
    >
      ${empty !== undefined ? html`<option value="">${empty}</option>` : null}
      ${options.map((o) => html`<option value=${o.value} selected=${o.value === current}>${o.label}</option>`)}
    </select>
    ${error ? html`<p class="error" id=${`${id}-error`}>${error}</p>` : null}
  </div>`;
}

export function Checkbox({ form, name, label, hint }: { form: FormState; name: string; label: string; hint?: string }) {
  const on = form.values[name] === 'on' || form.values[name] === 'true';
  return html`<div class="field checkbox">
    <label><input type="checkbox" name=${name} checked=${on} /> ${label}</label>
    ${hint ? html`<p class="hint">${hint}</p>` : null}
  </div>`;
}

/**
 * What is wrong with the form, above it, focused when the page loads (autofocus: no script needed).
 * A refusal of the whole form (`_form`: "Email or password is wrong.") is the message itself; only
 * fields that carry their own message are counted as "marked below".
 */
export function FormSummary({ form }: { form: FormState }) {
  const fields = Object.keys(form.errors).filter((k) => k !== '_form').length;
  const whole = form.errors._form;
  if (!fields && !whole) return null;
  const message = !fields
    ? whole
    : fields === 1
      ? 'Please fix the field marked below.'
      : `Please fix the ${fields} fields marked below.`;
  return html`<div class="form-summary" role="alert" tabindex="-1" autofocus data-focus-error>
    <strong>${message}</strong>
    ${fields > 0 && whole ? html`<p>${whole}</p>` : null}
  </div>`;
}

export function PageHeader({ title, children, sub }: { title: Children; sub?: Children; children?: Children }) {
  return html`<div class="page-header">
    <div><h1>${title}</h1>${sub ? html`<p class="sub">${sub}</p>` : null}</div>
    ${children ? html`<div class="actions">${children}</div>` : null}
  </div>`;
}
