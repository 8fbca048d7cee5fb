// The API key lives in sessionStorage only: gone when the tab closes, never in localStorage, a cookie or a URL.
const KEY = 'ctrlplane.api_key';

export function storedKey() {
  return sessionStorage.getItem(KEY);
}

export function rememberKey(key) {
  sessionStorage.setItem(KEY, key);
}

export function forgetKey() {
  sessionStorage.removeItem(KEY);
}
