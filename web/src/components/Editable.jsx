// Editable: a record's field shown as text, edited in place. Enter or leaving
// the field saves (the page PATCHes with the record's version); Escape cancels.
// The server's reason for refusing appears under the field.
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { formatDate, formatMoney, moneyText, parseMoney, reasonText, t } from '../i18n/index.js';
import { RecordPicker } from './Pickers.jsx';

/**
 * kind: text | textarea | email | date | money | select | picker
 * value: the field's value; display: what to show instead of the raw value
 * options (select): [{value, label}]; currency (money); entity + params (picker); required: no "none" choice
 * onSave(value) -> Promise; rejects with ApiError to show its reason
 */
export function Editable({ label, field, value, display, kind = 'text', options, currency, entity, params, readOnly, required, onSave, hint }) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const input = useRef(null);

  useEffect(() => { if (editing) input.current?.focus(); }, [editing]);

  const start = () => {
    if (readOnly) return;
    setDraft(kind === 'money' ? moneyText(value, currency) : value ?? '');
    setError(null);
    setEditing(true);
  };

  async function save(next = draft) {
    let v = next;
    if (kind === 'money') {
      v = String(next).trim() === '' ? null : parseMoney(next, currency);
      if (Number.isNaN(v)) { setError(t('error.number')); return; }
    } else if (typeof v === 'string') v = v.trim() === '' ? null : kind === 'textarea' ? v : v.trim();
    if (v === (value ?? null)) { setEditing(false); return; }
    setBusy(true);
    try {
      await onSave(v);
      setEditing(false);
      setError(null);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setError(err.fieldErrors[field] || err.message);
    } finally {
      setBusy(false);
    }
  }

  const keys = (e) => {
    if (e.isComposing) return;
    if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); setEditing(false); setError(null); }
    else if (e.key === 'Enter' && kind !== 'textarea') { e.preventDefault(); save(); }
  };

  let shown = display ?? value;
  if (display === undefined) {
    if (kind === 'money') shown = formatMoney(value, currency);
    else if (kind === 'date') shown = formatDate(value);
    else if (kind === 'select') shown = options?.find((o) => o.value === value)?.label;
  }
  const common = {
    id, ref: input, 'aria-invalid': error ? 'true' : undefined, 'aria-describedby': error ? `${id}-err` : undefined,
    'data-field': field, disabled: busy, onKeyDown: keys,
  };

  let editor = null;
  if (editing) {
    if (kind === 'select') {
      editor = (
        <select {...common} value={draft ?? ''} onBlur={() => setEditing(false)}
          onChange={(e) => { const raw = e.currentTarget.value; const opt = options.find((o) => String(o.value) === raw); save(opt ? opt.value : null); }}>
          {!required && <option value="">{t('common.none')}</option>}
          {options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
        </select>
      );
    } else if (kind === 'picker') {
      editor = (
        <div class="editable-picker">
          <RecordPicker entity={entity} params={params} label={display}
            inputProps={{ ...common, onKeyDown: undefined }} onChange={(pid) => save(pid)} />
          <button type="button" class="btn btn-small" onClick={() => setEditing(false)}>{t('common.cancel')}</button>
        </div>
      );
    } else if (kind === 'textarea') {
      editor = <textarea {...common} rows={4} value={draft} onInput={(e) => setDraft(e.currentTarget.value)} onBlur={() => save()} />;
    } else {
      const type = kind === 'date' ? 'date' : kind === 'email' ? 'email' : 'text';
      editor = (
        <input {...common} type={type} value={draft} inputMode={kind === 'money' ? 'decimal' : undefined}
          onInput={(e) => setDraft(e.currentTarget.value)} onBlur={() => save()} />
      );
    }
  }

  return (
    <div class={'editable' + (error ? ' has-error' : '')}>
      <label class="editable-label" for={id}>{label}</label>
      {editing ? editor : (
        <button type="button" id={id} class={'editable-value' + (readOnly ? ' readonly' : '')} data-field={field}
          onClick={start} disabled={readOnly} aria-label={`${label}: ${shown || t('common.empty')}${readOnly ? '' : ' — ' + t('common.clickToEdit')}`}>
          {shown || <span class="muted">{t('common.empty')}</span>}
        </button>
      )}
      {error ? <p class="field-error" id={`${id}-err`}>{reasonText(error)}</p> : hint ? <p class="field-hint">{hint}</p> : null}
    </div>
  );
}
