// Dialog: a modal on the native <dialog> element, which traps focus, closes on
// Escape and gives the page behind it back its focus when it closes.
import { useEffect, useId, useRef } from 'preact/hooks';
import { t } from '../i18n/index.js';

export function Dialog({ title, onClose, children, footer, wide }) {
  const ref = useRef(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    const opener = document.activeElement;
    d.showModal();
    return () => {
      d.close();
      if (opener && opener.isConnected) opener.focus();
    };
  }, []);
  const cancel = (e) => { e.preventDefault(); onClose(); };
  return (
    <dialog ref={ref} class={'dialog' + (wide ? ' dialog-wide' : '')} aria-labelledby={titleId} onCancel={cancel}>
      <header class="dialog-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" class="btn-icon" aria-label={t('common.close')} onClick={onClose}>×</button>
      </header>
      <div class="dialog-body">{children}</div>
      {footer && <footer class="dialog-foot">{footer}</footer>}
    </dialog>
  );
}
