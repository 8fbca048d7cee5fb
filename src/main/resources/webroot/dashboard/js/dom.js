// Small DOM helpers. Data from the API is only ever set as text (never parsed as HTML).

export const $ = (id) => document.getElementById(id);

/** el('li', {class: 'x', dataset: {id: 1}}, 'text', otherNode) */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) {
      continue;
    }
    if (name === 'dataset') {
      Object.assign(node.dataset, value);
    } else if (name === 'onclick') {
      node.addEventListener('click', value);
    } else {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) {
      node.append(child instanceof Node ? child : String(child));
    }
  }
  return node;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

export function formatTime(iso) {
  if (!iso) {
    return '';
  }
  const date = new Date(iso);
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function formatClock(iso) {
  return iso ? new Date(iso).toLocaleTimeString() : '';
}

export const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'rolled_back']);

/**
 * Re-renders {@code list} with {@code render()} and puts the keyboard focus back on the element of the same
 * {@code data-focus-key} if it had it: lists refreshed by live updates must not drop a keyboard user's place.
 */
export function keepingFocus(list, render) {
  const focused = document.activeElement;
  const key = list.contains(focused) ? focused.dataset.focusKey : null;
  render();
  if (key) {
    list.querySelector(`[data-focus-key="${CSS.escape(key)}"]`)?.focus();
  }
}
