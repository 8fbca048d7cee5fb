// Release history of one instance: every release newest first, with its image, when and by whom it was
// deployed, how that deployment ended, rollbacks marked, and a "roll back to this release" button (not on the
// live release, nor on one whose deployment is still in flight).
import { $, clear, el, formatTime, keepingFocus } from './dom.js';

/** releases: newest first; deployments: newest first (the last attempt of a release wins). */
export function renderHistory(releases, deployments, currentRelease, onRollback) {
  const byRelease = new Map();
  for (const d of deployments) {
    if (!byRelease.has(d.release.id)) {
      byRelease.set(d.release.id, d);
    }
  }
  const list = $('history');
  keepingFocus(list, () => renderReleases(clear(list), releases, byRelease, currentRelease, onRollback));
}

function renderReleases(list, releases, byRelease, currentRelease, onRollback) {
  if (releases.length === 0) {
    list.append(el('li', { class: 'hint' }, 'No releases yet.'));
    return;
  }
  for (const release of releases) {
    const deployment = byRelease.get(release.id);
    const current = currentRelease?.id === release.id;
    const inFlight = deployment?.state === 'pending' || deployment?.state === 'running';
    list.append(el('li', {
      class: `release${current ? ' current' : ''}${release.rollback_of ? ' rollback' : ''}`,
      dataset: { version: release.version, releaseId: release.id },
    },
    el('div', { class: 'release-head' },
      el('strong', { class: 'version' }, `v${release.version}`),
      current ? el('span', { class: 'badge current' }, 'live') : '',
      release.rollback_of ? el('span', { class: 'badge rollback' }, `rollback to v${release.rollback_of.version}`) : '',
      deployment ? el('span', { class: `badge state-${deployment.state}` }, deployment.state.replace('_', ' ')) : ''),
    el('code', { class: 'image' }, release.image),
    el('p', { class: 'meta' },
      el('time', { datetime: release.created_at }, formatTime(release.created_at)),
      deployment?.initiated_by?.key_name ? ` · by ${deployment.initiated_by.key_name}` : '',
      deployment ? ` · ${deployment.strategy}` : '',
      release.commit_sha ? ` · commit ${release.commit_sha.slice(0, 7)}` : ''),
    release.notes ? el('p', { class: 'notes' }, release.notes) : '',
    current || inFlight ? '' : el('button', {
      type: 'button', class: 'secondary small', dataset: { focusKey: release.id }, onclick: () => onRollback(release),
    }, `Roll back to v${release.version}`)));
  }
}
