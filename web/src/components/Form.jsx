// Form: form state, and fields that show the server's reason next to the input
// it belongs to (problem+json errors[].field is the input's name).
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { reasonText, t } from '../i18n/index.js';
import { errorText } from './Status.jsx';

/** A client-side rejection shaped like the server's, so both show the same way. */
export const fieldError = (field, reason) => new ApiError(400, { detail: reason, errors: [{ field, reason }] });

export function useForm(initial) {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState({});
  const [formError, setFormError] = useState(null);
  const [busy, setBusy] = useState(false);

  const set = (name, value) => setValues((v) => ({ ...v, [name]: value }));

  /** Run fn(values); an ApiError lands on its fields (or above the form when no field fits). */
  async function submit(fn) {
    setBusy(true);
    setErrors({});
    setFormError(null);
    try {
      return await fn(values);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const byField = err.fieldErrors;
      const shown = {}, other = [];
      for (const [f, reason] of Object.entries(byField)) {
        if (f in values) shown[f] = reason;
        else other.push(`${f}: ${reasonText(reason)}`);
      }
      setErrors(shown);
      if (!Object.keys(shown).length || other.length)
        setFormError(other.length ? other.join('; ') : errorText(err));
      return undefined;
    } finally {
      setBusy(false);
    }
  }
  return { values, set, setValues, errors, formError, busy, submit };
}

/** label + input + the reason it was refused; `children(props)` renders the input. */
export function FieldShell({ form, name, label, required, hint, className, children }) {
  const id = useId();
  const error = form.errors[name];
  const describedBy = error ? `${id}-err` : hint ? `${id}-hint` : undefined;
  return (
    <div class={'field' + (error ? ' has-error' : '') + (className ? ' ' + className : '')}>
      <label for={id}>{label}{required && <span class="req" aria-hidden="true"> *</span>}</label>
      {children({ id, name, 'aria-invalid': error ? 'true' : undefined, 'aria-describedby': describedBy, 'data-field': name })}
      {error ? <p class="field-error" id={`${id}-err`}>{reasonText(error)}</p>
        : hint ? <p class="field-hint" id={`${id}-hint`}>{hint}</p> : null}
    </div>
  );
}

export function TextField({ form, name, type = 'text', multiline, autoFocus, placeholder, inputMode, autocomplete, ...shell }) {
  // the autofocus attribute only works for what the page had when it loaded (and in dialogs)
  const ref = useRef(null);
  useEffect(() => { if (autoFocus) ref.current?.focus(); }, []);
  return (
    <FieldShell form={form} name={name} {...shell}>
      {(p) => {
        const props = {
          ...p, ref, value: form.values[name] ?? '', placeholder, autoFocus, inputMode, autocomplete,
          onInput: (e) => form.set(name, e.currentTarget.value),
        };
        return multiline ? <textarea rows={3} {...props} /> : <input type={type} {...props} />;
      }}
    </FieldShell>
  );
}

/** options: [{value, label}]; `numeric` keeps ids as numbers; `empty` adds a "none" choice. */
export function SelectField({ form, name, options, numeric, empty, ...shell }) {
  return (
    <FieldShell form={form} name={name} {...shell}>
      {(p) => (
        <select {...p} value={form.values[name] ?? ''}
          onChange={(e) => {
            const v = e.currentTarget.value;
            form.set(name, v === '' ? null : numeric ? Number(v) : v);
          }}>
          {empty !== undefined && <option value="">{empty}</option>}
          {options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
        </select>
      )}
    </FieldShell>
  );
}

export function CheckField({ form, name, label }) {
  const id = useId();
  const error = form.errors[name];
  return (
    <div class={'field field-check' + (error ? ' has-error' : '')}>
      <input type="checkbox" id={id} data-field={name} checked={!!form.values[name]}
        onChange={(e) => form.set(name, e.currentTarget.checked)} />
      <label for={id}>{label}</label>
      {error && <p class="field-error">{reasonText(error)}</p>}
    </div>
  );
}

const FormError = ({ form }) =>
  form.formError ? <div class="alert alert-error" role="alert">{form.formError}</div> : null;

/** A <form> that never lets the browser validate: the server's reasons are the ones shown. */
export function Form({ form, onSubmit, children, class: cls }) {
  const submit = (e) => {
    e.preventDefault();
    if (!form.busy) form.submit(onSubmit);
  };
  return (
    <form class={cls || 'form'} noValidate onSubmit={submit}>
      <FormError form={form} />
      {children}
    </form>
  );
}

/** The filled-in values only (blank text and unset choices are left out), trimmed: what a create sends. */
export function filled(values) {
  const out = {};
  for (const [k, v] of Object.entries(values)) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'string') { if (v.trim()) out[k] = v.trim(); } else out[k] = v;
  }
  return out;
}

/** A dialog form's buttons: submit (Create, or `label`) and Cancel. */
export function FormActions({ form, onClose, label }) {
  return (
    <div class="form-actions">
      <button type="submit" class="btn btn-primary" disabled={form.busy}>{label || t('common.create')}</button>
      <button type="button" class="btn" onClick={onClose}>{t('common.cancel')}</button>
    </div>
  );
}
