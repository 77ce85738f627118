// store.js: a tiny observable value and the hook that re-renders a component
// when it changes. The session and the route are the app's only global state.
import { useEffect, useState } from 'preact/hooks';

export function observable(initial) {
  let value = initial;
  const subs = new Set();
  return {
    get: () => value,
    set(next) {
      if (next === value) return;
      value = next;
      for (const fn of [...subs]) fn(value);   // a copy: a subscriber may unsubscribe while called
    },
    subscribe(fn) { subs.add(fn); return () => subs.delete(fn); },
  };
}

export function useObservable(obs) {
  const [value, setValue] = useState(obs.get());
  useEffect(() => {
    setValue(obs.get());
    return obs.subscribe(setValue);
  }, [obs]);
  return value;
}
