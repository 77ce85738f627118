// CellInput: a text input in a table or settings row that saves when it is
// changed (on blur or Enter); a refused change puts the old value back.
import { useState } from 'preact/hooks';
import { parsePercent, percentText } from '../i18n/index.js';

/** A text or percent input that saves when changed (blur or Enter). onSave gets the trimmed text
 * (basis points for percent) and returns a promise; `inputMode="numeric"` for whole numbers. */
export function CellInput({ value, label, onSave, percent, inputMode, placeholder, class: cls }) {
  const shown = percent ? percentText(value) : value ?? '';
  const [text, setText] = useState(shown);
  return (
    <input type="text" aria-label={label} value={text} inputMode={percent ? 'decimal' : inputMode} placeholder={placeholder} class={cls}
      onInput={(e) => setText(e.currentTarget.value)}
      onChange={(e) => {
        const raw = e.currentTarget.value.trim();
        if (raw === String(shown)) return;
        onSave(percent ? parsePercent(raw) : raw).catch(() => setText(shown));
      }} />
  );
}

