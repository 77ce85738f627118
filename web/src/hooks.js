// hooks.js: loading data into a component.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/** Run `load` when `deps` change; {data, error, loading, reload, setData}.
 * An answer that arrives after the deps changed again is dropped. */
export function useResource(load, deps) {
  const [state, setState] = useState({ data: undefined, error: null, loading: true });
  const serial = useRef(0);
  const run = useCallback(() => {
    const n = ++serial.current;
    setState((s) => ({ ...s, loading: true }));
    return Promise.resolve()
      .then(load)
      .then(
        (data) => { if (n === serial.current) setState({ data, error: null, loading: false }); },
        (error) => { if (n === serial.current) setState({ data: undefined, error, loading: false }); },
      );
  }, deps);
  useEffect(() => { run(); }, [run]);
  const setData = useCallback((fn) => setState((s) => ({ ...s, data: typeof fn === 'function' ? fn(s.data) : fn })), []);
  return { ...state, reload: run, setData };
}

/** A list endpoint with "load more": {items, next, loading, error, more(), reload(), setItems}. */
export function usePaged(fetchPage, deps) {
  const [state, setState] = useState({ items: [], next: null, loading: true, error: null });
  const serial = useRef(0);
  const load = useCallback((after, append) => {
    const n = ++serial.current;
    setState((s) => ({ ...s, loading: true }));
    return fetchPage(after).then(
      (page) => {
        if (n !== serial.current) return;
        setState((s) => ({ items: append ? [...s.items, ...page.items] : page.items, next: page.next || null, loading: false, error: null }));
      },
      (error) => { if (n === serial.current) setState((s) => ({ ...s, loading: false, error })); },
    );
  }, deps);
  useEffect(() => { load(undefined, false); }, [load]);
  return {
    ...state,
    more: () => state.next && load(state.next, true),
    reload: () => load(undefined, false),
    setItems: (fn) => setState((s) => ({ ...s, items: fn(s.items) })),
  };
}

/** `value`, once it has stayed the same for `ms` (for search-as-you-type). */
export function useDebounced(value, ms = 250) {
  const [v, setV] = useState(value);
  useEffect(() => {
    const id = setTimeout(() => setV(value), ms);
    return () => clearTimeout(id);
  }, [value, ms]);
  return v;
}
