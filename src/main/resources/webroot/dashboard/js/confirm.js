// One modal <dialog> asks before any command that changes a deployment. Escape or "Keep as is" says no.
import { $ } from './dom.js';

export function confirmAction(title, text, confirmLabel) {
  const dialog = $('confirm');
  if (dialog.open) {
    return Promise.resolve(false); // one question at a time
  }
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-yes').textContent = confirmLabel;
  return new Promise((resolve) => {
    const yes = () => dialog.close('yes');
    const no = () => dialog.close('no');
    $('confirm-yes').addEventListener('click', yes, { once: true });
    $('confirm-no').addEventListener('click', no, { once: true });
    dialog.addEventListener('close', () => {
      $('confirm-yes').removeEventListener('click', yes);
      $('confirm-no').removeEventListener('click', no);
      resolve(dialog.returnValue === 'yes');
    }, { once: true });
    dialog.returnValue = '';
    dialog.showModal();
  });
}
