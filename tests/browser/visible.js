// Whether some element in arguments[0] (a CSS selector) whose own text contains arguments[1]
// is entirely in view: inside the window, not clipped by a scrolling box, not covered.
const wanted = arguments[1];
const inside = (r, box) => r.top >= box.top - 1 && r.bottom <= box.bottom + 1 && r.left >= box.left - 1 && r.right <= box.right + 1;
const view = { top: 0, left: 0, bottom: innerHeight, right: innerWidth };
for (const e of document.querySelectorAll(arguments[0] + ' *')) {
  if (![...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.includes(wanted))) continue;
  const r = e.getBoundingClientRect();
  if (!r.height || !inside(r, view)) continue;
  let clipped = false;
  for (let up = e.parentElement; up; up = up.parentElement) {
    if (getComputedStyle(up).overflowY !== 'visible' && !inside(r, up.getBoundingClientRect())) clipped = true;
  }
  const hit = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
  if (!clipped && hit && (e.contains(hit) || hit.contains(e))) return true;
}
return false;
