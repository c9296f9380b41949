// ARIA tabs: click, or arrow keys / Home / End on the tab list (roving tabindex).
export function setupTabs(tablist, onShow) {
  const tabs = [...tablist.querySelectorAll("[role=tab]")];
  function select(tab, focus = true) {
    for (const t of tabs) {
      const selected = t === tab;
      t.setAttribute("aria-selected", String(selected));
      t.tabIndex = selected ? 0 : -1;
      document.getElementById(t.getAttribute("aria-controls")).hidden = !selected;
    }
    if (focus) tab.focus();
    onShow?.(document.getElementById(tab.getAttribute("aria-controls")));
  }
  for (const tab of tabs) {
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (event) => {
      const i = tabs.indexOf(tab);
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[event.key];
      if (to === undefined) return;
      event.preventDefault();
      select(tabs[(to + tabs.length) % tabs.length]);
    });
  }
  return { select: (id) => select(document.getElementById(id), false) };
}
