/* The refresh scheduler: debounced, never two fetches at once, one more if asked meanwhile.
 * Pure (timers are injected), unit-tested with node --test. */

/**
 * run(): a function returning a Promise (one fetch). Returns { now, soon }:
 * now() runs at once (or once more after the current run), soon() after debounceMs.
 */
export function createRefresher(run, { debounceMs = 800, setTimer = setTimeout, clearTimer = clearTimeout } = {}) {
  let inFlight = false;
  let again = false;
  let timer = null;

  function soon() {
    if (timer !== null) { clearTimer(timer); }
    timer = setTimer(() => { timer = null; now(); }, debounceMs);
  }
  function now(...args) {
    if (inFlight) { again = true; return Promise.resolve(); }
    inFlight = true;
    return Promise.resolve()
      .then(() => run(...args))
      .catch(() => undefined)
      .then(() => {
        inFlight = false;
        if (again) { again = false; soon(); }
      });
  }
  return { now, soon, busy: () => inFlight };
}
