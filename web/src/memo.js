// memo.js: skip re-rendering a component whose props are the same objects as
// last time (what preact/compat's memo does, without pulling in compat).
// The board uses it so a drag over one column does not re-render 2,000 cards.
import { h } from 'preact';

function shallowDiffers(a, b) {
  for (const k in a) if (!(k in b)) return true;
  for (const k in b) if (a[k] !== b[k]) return true;
  return false;
}

export function memo(Inner) {
  function shouldUpdate(next) { return shallowDiffers(this.props, next); }
  function Memo(props) {
    this.shouldComponentUpdate = shouldUpdate;
    return h(Inner, props);
  }
  Memo.displayName = `Memo(${Inner.name})`;
  return Memo;
}
