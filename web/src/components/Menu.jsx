// Menu: a button that opens a list of actions (ARIA menu pattern). Arrow keys
// move, Enter picks, Escape closes and returns focus to the button. The list
// is only rendered while open, so a page can have hundreds of them, and it is
// shown as a popover (the top layer), so no scrolling or contained box around
// the button (a board card) clips it.
import { useEffect, useId, useRef, useState } from 'preact/hooks';

/** Put the popover under its button (right edges lined up for align=right), inside the window. */
function place(el, at, align) {
  const w = el.offsetWidth, h = el.offsetHeight;
  let left = align === 'right' ? at.right - w : at.left;
  left = Math.max(4, Math.min(left, innerWidth - w - 4));
  const top = at.bottom + 4 + h <= innerHeight ? at.bottom + 4 : Math.max(4, at.top - 4 - h);
  el.style.left = `${left}px`;
  el.style.top = `${top}px`;
}

/** items: [{label, onSelect, checked?, disabled?, separator?}] */
export function Menu({ label, buttonClass = 'btn', buttonLabel, items, align = 'left', title }) {
  const [open, setOpen] = useState(false);
  const btn = useRef(null), list = useRef(null);
  const id = useId();

  useEffect(() => {
    if (!open) return;
    const el = list.current;
    el.showPopover();
    place(el, btn.current.getBoundingClientRect(), align);
    el.querySelector('[role^=menuitem]:not([disabled])')?.focus();
    const outside = (e) => { if (!btn.current?.parentNode?.contains(e.target)) setOpen(false); };
    const scrolled = (e) => { if (!el.contains(e.target)) setOpen(false); };
    document.addEventListener('pointerdown', outside);
    document.addEventListener('scroll', scrolled, true);
    return () => {
      document.removeEventListener('pointerdown', outside);
      document.removeEventListener('scroll', scrolled, true);
    };
  }, [open]);

  const close = (refocus = true) => { setOpen(false); if (refocus) btn.current?.focus(); };
  const keys = (e) => {
    const els = [...list.current.querySelectorAll('[role^=menuitem]:not([disabled])')];
    const i = els.indexOf(document.activeElement);
    if (e.key === 'ArrowDown') { e.preventDefault(); els[(i + 1) % els.length]?.focus(); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); els[(i - 1 + els.length) % els.length]?.focus(); }
    else if (e.key === 'Home') { e.preventDefault(); els[0]?.focus(); }
    else if (e.key === 'End') { e.preventDefault(); els[els.length - 1]?.focus(); }
    else if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); close(); }
    else if (e.key === 'Tab') close(false);
  };

  return (
    <div class="menu-wrap">
      <button ref={btn} type="button" class={buttonClass} aria-haspopup="menu" aria-expanded={open ? 'true' : 'false'}
        aria-controls={open ? id : undefined} aria-label={buttonLabel} title={title}
        onClick={() => setOpen(!open)}
        onKeyDown={(e) => { if (e.key === 'ArrowDown' && !open) { e.preventDefault(); setOpen(true); } }}>
        {label}
      </button>
      {open && (
        <ul ref={list} id={id} role="menu" class="menu" popover="manual" onKeyDown={keys}>
          {items.map((it, i) => it.separator ? <li key={i} role="separator" class="menu-sep">{it.label}</li> : (
            <li key={i} role="none">
              <button type="button" role={it.checked === undefined ? 'menuitem' : 'menuitemradio'} tabIndex={-1}
                aria-checked={it.checked === undefined ? undefined : it.checked ? 'true' : 'false'} disabled={it.disabled}
                onClick={() => { close(); it.onSelect(); }}>
                {it.label}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
