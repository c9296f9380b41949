// Titles of the policy's rules, budgets and groups, for people to read: `titleOf(kind, id)`.
// A page registers them from the engine's `outline()` (the checkout demo does, for groups,
// rules and budgets); anything unregistered reads as its id.
const titles = new Map(); // "kind:id" → title

/** The title of a `rule`, `budget` or `group`, or its id when none is known. */
export function titleOf(kind, id) {
  return titles.get(`${kind}:${id}`) ?? id;
}

/** Replaces the titles of `kind` with `entries` ([[id, title]…]). */
export function setTitles(kind, entries) {
  for (const key of [...titles.keys()]) if (key.startsWith(`${kind}:`)) titles.delete(key);
  for (const [id, title] of entries) if (title) titles.set(`${kind}:${id}`, title);
}
