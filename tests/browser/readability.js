// Every visible element with its own text under 16 px, every visible control under 44 px.
// arguments[0]: a CSS selector of the part of the page to check. Returns [small, tiny].
const root = document.querySelector(arguments[0]);
const small = [], tiny = [];
const visible = (e) => { const r = e.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; };
for (const e of root.querySelectorAll('*')) {
  if (!visible(e)) continue;
  const ownText = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
  const size = parseFloat(getComputedStyle(e).fontSize);
  if (ownText && size < 16) small.push(e.tagName + ' ' + size + 'px ' + e.textContent.trim().slice(0, 30));
  const control = e.matches('button, a, select, summary, input:not([type=checkbox]):not([type=file]), label.attach');
  if (control) { const r = e.getBoundingClientRect();
    if (r.height < 44 || r.width < 44) tiny.push(e.tagName + ' ' + Math.round(r.width) + 'x' + Math.round(r.height) + ' ' + (e.textContent || e.name || '').trim().slice(0, 30)); }
}
return [small, tiny];
