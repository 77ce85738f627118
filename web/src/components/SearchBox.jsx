// SearchBox: the top bar's search over accounts, contacts and deals
// (GET /api/v1/search). It waits for an input method to finish composing, so
// typing Chinese with pinyin searches the characters, not the letters.
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { get } from '../api.js';
import { useDebounced } from '../hooks.js';
import { t } from '../i18n/index.js';
import { navigate } from '../router.js';

const GROUPS = [
  ['opportunities', () => t('search.opportunities'), '/opportunities/'],
  ['accounts', () => t('search.accounts'), '/accounts/'],
  ['contacts', () => t('search.contacts'), '/contacts/'],
];

export function SearchBox() {
  const [text, setText] = useState('');
  const [composing, setComposing] = useState(false);
  const [results, setResults] = useState(null);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const input = useRef(null);
  const listId = useId();
  const q = useDebounced(composing ? null : text.trim(), 200);

  // "/" anywhere outside a text field jumps to the search box
  useEffect(() => {
    const onKey = (e) => {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
      const tag = document.activeElement?.tagName;
      if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || document.activeElement?.isContentEditable) return;
      e.preventDefault();
      input.current?.focus();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => {
    if (q === null) return;
    if (!q) { setResults(null); return; }
    let live = true;
    get('/search', { q }).then((r) => { if (live) { setResults(r); setActive(0); setOpen(true); } }, () => {});
    return () => { live = false; };
  }, [q]);

  const flat = results ? GROUPS.flatMap(([k, , base]) => (results[k] || []).map((r) => ({ ...r, href: base + r.id }))) : [];
  const go = (r) => { setOpen(false); setText(''); setResults(null); input.current?.blur(); navigate(r.href); };
  const keys = (e) => {
    if (e.isComposing) return;
    if (e.key === 'ArrowDown') { e.preventDefault(); setOpen(true); setActive((a) => Math.min(a + 1, flat.length - 1)); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); setActive((a) => Math.max(a - 1, 0)); }
    else if (e.key === 'Enter' && flat[active]) { e.preventDefault(); go(flat[active]); }
    else if (e.key === 'Escape') { setOpen(false); }
  };

  let n = -1;
  return (
    <div class="search" role="search">
      <input ref={input} type="search" class="search-input" role="combobox" aria-label={t('search.label')}
        placeholder={t('search.placeholder')} autocomplete="off" aria-autocomplete="list"
        aria-expanded={open && results ? 'true' : 'false'} aria-controls={listId}
        aria-activedescendant={open && flat[active] ? `${listId}-${active}` : undefined}
        value={text} onInput={(e) => setText(e.currentTarget.value)} onKeyDown={keys}
        onCompositionStart={() => setComposing(true)} onCompositionEnd={(e) => { setComposing(false); setText(e.currentTarget.value); }}
        onFocus={() => results && setOpen(true)} onBlur={() => setTimeout(() => setOpen(false), 150)} />
      {open && results && (
        <div class="search-results" id={listId} role="listbox" aria-label={t('search.results')}>
          {!flat.length && <div class="search-empty">{t('search.none', { q: text })}</div>}
          {GROUPS.map(([k, label]) => (results[k]?.length ? (
            <div key={k} role="group" aria-label={label()}>
              <div class="search-group" aria-hidden="true">{label()}</div>
              {results[k].map((r) => {
                n++;
                const i = n;
                return (
                  <div key={r.id} id={`${listId}-${i}`} role="option" aria-selected={i === active ? 'true' : 'false'}
                    class={'search-item' + (i === active ? ' active' : '')}
                    onMouseDown={(e) => { e.preventDefault(); go(flat[i]); }}>
                    <span>{r.name}</span>
                    {(r.account_name || r.title) && <span class="muted">{r.account_name || r.title}</span>}
                  </div>
                );
              })}
            </div>
          ) : null))}
        </div>
      )}
    </div>
  );
}
