/* Pure ordering of the live board's lists, no DOM: unit-tested with node --test. */

/** Open incidents: priority first (P1 on top), then the longest waiting. */
export function byPriorityThenAge(list) {
  return list.slice().sort((a, b) => (a.priority - b.priority) || ((b.age_s || 0) - (a.age_s || 0)));
}

/** Status timers: overdue ones first, then the longest elapsed. */
export function timersFirstOverdue(list) {
  return list.slice().sort((a, b) => (Number(b.overdue) - Number(a.overdue)) || (b.elapsed_s - a.elapsed_s));
}
