// Pickers: choosing a record by typing part of its name (a combobox), and
// the select lists of users and teams.
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { get } from '../api.js';
import { useDebounced } from '../hooks.js';
import { t } from '../i18n/index.js';
import { useLookup } from '../lookups.js';
import { FieldShell } from './Form.jsx';

/** Type to search `entity` (accounts, contacts, ...); Arrow keys + Enter pick. */
export function RecordPicker({ entity, label, onChange, params, inputProps = {}, placeholder }) {
  const [text, setText] = useState(label || '');
  const [chosen, setChosen] = useState(label || '');
  const [open, setOpen] = useState(false);
  const [items, setItems] = useState([]);
  const [active, setActive] = useState(0);
  const [composing, setComposing] = useState(false);
  const listId = useId();
  const q = useDebounced(text, 200);
  const blurTimer = useRef(0);

  useEffect(() => { setText(label || ''); setChosen(label || ''); }, [label]);
  useEffect(() => {
    if (!open || composing) return;
    let live = true;
    get('/' + entity, { ...params, q: q.trim() || undefined, limit: 10, sort: 'name' })
      .then((page) => { if (live) { setItems(page.items); setActive(0); } }, () => {});
    return () => { live = false; };
  }, [q, open, composing, entity, JSON.stringify(params)]);

  const pick = (item) => {
    onChange(item ? item.id : null, item);
    setText(item ? item.name : '');
    setChosen(item ? item.name : '');
    setOpen(false);
  };
  const key = (e) => {
    if (e.isComposing) return;
    if (e.key === 'ArrowDown') { e.preventDefault(); setOpen(true); setActive((a) => Math.min(a + 1, items.length - 1)); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); setActive((a) => Math.max(a - 1, 0)); }
    else if (e.key === 'Enter' && open && items[active]) { e.preventDefault(); pick(items[active]); }
    else if (e.key === 'Escape' && open) { e.stopPropagation(); e.preventDefault(); setOpen(false); }
  };
  return (
    <div class="combo">
      <input {...inputProps} type="text" role="combobox" autocomplete="off" aria-autocomplete="list"
        aria-expanded={open ? 'true' : 'false'} aria-controls={listId} placeholder={placeholder || t('common.typeToSearch')}
        aria-activedescendant={open && items[active] ? `${listId}-${active}` : undefined}
        value={text}
        onInput={(e) => {
          const v = e.currentTarget.value;
          setText(v);
          setOpen(true);
          if (!v) { setChosen(''); onChange(null, null); }
        }}
        onCompositionStart={() => setComposing(true)} onCompositionEnd={() => setComposing(false)}
        onFocus={() => setOpen(true)} onKeyDown={key}
        onBlur={() => { blurTimer.current = setTimeout(() => { setOpen(false); setText(chosen); }, 150); }} />
      {open && items.length > 0 && (
        <ul class="combo-list" role="listbox" id={listId}>
          {items.map((it, i) => (
            <li key={it.id} id={`${listId}-${i}`} role="option" aria-selected={i === active ? 'true' : 'false'}
              class={i === active ? 'active' : ''}
              onMouseDown={(e) => { e.preventDefault(); clearTimeout(blurTimer.current); pick(it); }}>
              {it.name}{it.account_name ? <span class="muted"> · {it.account_name}</span> : null}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A RecordPicker as a form field; `labelOf` is the chosen record's name. */
export function PickerField({ form, name, entity, params, labelOf, onPick, ...shell }) {
  return (
    <FieldShell form={form} name={name} {...shell}>
      {(p) => (
        <RecordPicker entity={entity} params={params} label={labelOf}
          inputProps={p} onChange={(id, item) => { form.set(name, id); onPick?.(item); }} />
      )}
    </FieldShell>
  );
}

export function useUserOptions({ activeOnly = true } = {}) {
  const users = useLookup('users');
  return users.filter((u) => !activeOnly || u.active !== false).map((u) => ({ value: u.id, label: u.name }));
}

export function useTeamOptions() {
  return useLookup('teams').map((tm) => ({ value: tm.id, label: tm.name }));
}
