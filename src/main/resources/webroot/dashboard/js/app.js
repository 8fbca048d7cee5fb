// The dashboard: asks for an API key, then shows instances, the selected instance's latest deployment
// (live), its release history and the event feed. Every piece of data comes from /v1 with the key.
import { Api } from './api.js';
import { confirmAction } from './confirm.js';
import { AnalysisView } from './analysis-view.js';
import { DeploymentView } from './deployment-view.js';
import { $, clear, el, keepingFocus, TERMINAL } from './dom.js';
import { EventFeed } from './events-view.js';
import { renderHistory } from './history-view.js';
import { InstanceLive } from './live.js';
import { forgetKey, rememberKey, storedKey } from './session.js';

const COMMANDS = {
  promote: { title: 'Promote this deployment?', verb: 'Promote', text: (d) => `The rollout of v${d.release.version} leaves its current pause and moves on to the next step.` },
  pause: { title: 'Pause this deployment?', verb: 'Pause', text: (d) => `The rollout of v${d.release.version} stops where it is until you resume it. Traffic stays as it is now.` },
  resume: { title: 'Resume this deployment?', verb: 'Resume', text: (d) => `The rollout of v${d.release.version} goes on from where it was paused.` },
  cancel: { title: 'Cancel this deployment?', verb: 'Cancel deployment', text: (d) => `The rollout of v${d.release.version} stops; traffic and replicas go back to ${d.previous_release ? `v${d.previous_release.version}` : 'nothing'}.` },
};

const app = {
  api: null,
  instances: new Map(),
  selected: null,
  live: null,
  feed: null,
  latest: null,
  liveMode: '',
  refreshTimer: null,
  view: null,
  analysis: null,
  analysisTimer: null,
};

function boot() {
  app.view = new DeploymentView(command);
  app.analysis = new AnalysisView(null);
  $('login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = $('api-key').value.trim();
    if (key) {
      connect(key);
    }
  });
  $('forget-key').addEventListener('click', () => logout(''));
  window.addEventListener('hashchange', () => {
    const id = idFromHash();
    if (app.api && id && id !== app.selected) {
      select(id);
    }
  });
  const key = storedKey();
  if (key) {
    connect(key);
  } else {
    showLogin('');
  }
}

function showLogin(message) {
  $('board').hidden = true;
  $('forget-key').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message;
  $('connection').textContent = 'Not connected';
  $('api-key').focus();
}

async function connect(key) {
  const api = new Api(key);
  let page;
  try {
    page = await api.get('/v1/instances?limit=100');
  } catch (error) {
    forgetKey();
    showLogin(error.status === 401 ? 'That key was refused (401): check it and try again.'
      : `Could not connect: ${error.message}`);
    return;
  }
  rememberKey(key);
  $('api-key').value = '';
  app.api = api;
  app.analysis.setApi(api);
  $('login').hidden = true;
  $('board').hidden = false;
  $('forget-key').hidden = false;
  setInstances(page.items);
  app.feed = new EventFeed(api, onFeedEvent, () => logout('The key is no longer accepted (401).'));
  app.feed.start();
  app.refreshTimer = setInterval(refreshInstances, 10000);
  const wanted = idFromHash();
  const first = wanted && app.instances.has(wanted) ? wanted : page.items[0]?.id;
  if (first) {
    await select(first);
  }
  showConnection();
  $('main').focus();
}

function logout(message) {
  forgetKey();
  app.live?.stop();
  app.feed?.stop();
  clearInterval(app.refreshTimer);
  Object.assign(app, { api: null, live: null, feed: null, selected: null, latest: null });
  showLogin(message);
}

function showConnection() {
  $('connection').textContent = app.api ? `Connected${app.liveMode ? ` · ${app.liveMode}` : ''}` : 'Not connected';
}

function idFromHash() {
  const match = /^#\/instances\/([A-Za-z0-9_]+)$/.exec(location.hash);
  return match ? match[1] : null;
}

async function refreshInstances() {
  if (!app.api) {
    return;
  }
  try {
    setInstances((await app.api.get('/v1/instances?limit=100')).items);
  } catch (error) {
    if (error.status === 401) {
      logout('The key is no longer accepted (401).');
    }
  }
}

function setInstances(items) {
  app.instances = new Map(items.map((i) => [i.id, i]));
  $('instances-empty').hidden = items.length > 0;
  const list = $('instance-list');
  keepingFocus(list, () => {
    clear(list);
    for (const instance of items) {
      list.append(el('li', {}, el('button', {
        type: 'button', class: 'instance-button', dataset: { instanceId: instance.id, focusKey: instance.id },
        'aria-current': instance.id === app.selected ? 'true' : null,
        onclick: () => select(instance.id),
      },
      el('span', { class: 'name' }, instance.name),
      el('span', { class: 'instance-release' }, instance.current_release ? `v${instance.current_release.version}` : 'no release'),
      el('span', { class: `badge health-${instance.health.status}` }, instance.health.status))));
    }
  });
  if (app.selected && app.instances.has(app.selected)) {
    renderInstance(app.instances.get(app.selected));
  }
}

async function select(id) {
  app.live?.stop();
  app.selected = id;
  app.latest = null;
  app.view.hide();
  app.analysis.hide();
  $('control-error').textContent = '';
  if (location.hash !== `#/instances/${id}`) {
    history.replaceState(null, '', `#/instances/${id}`);
  }
  document.querySelectorAll('.instance-button').forEach((b) => {
    if (b.dataset.instanceId === id) b.setAttribute('aria-current', 'true'); else b.removeAttribute('aria-current');
  });
  if (app.instances.has(id)) {
    renderInstance(app.instances.get(id));
  }
  app.feed?.events().forEach((event) => app.view.learn(event.data));
  await loadHistory();
  app.live = new InstanceLive(app.api, id, {
    onInstance: (instance) => instance.id === app.selected && onInstance(instance),
    onDeployment: (deployment) => deployment.instance_id === app.selected && onDeployment(deployment),
    onMode: (mode) => {
      app.liveMode = mode;
      showConnection();
    },
    onUnauthorized: () => logout('The key is no longer accepted (401).'),
  });
  app.live.start();
}

function onInstance(instance) {
  const before = app.instances.get(instance.id);
  app.instances.set(instance.id, instance);
  renderInstance(instance);
  if (before?.current_release?.id !== instance.current_release?.id || before?.health.status !== instance.health.status) {
    refreshInstances();
  }
}

function renderInstance(instance) {
  $('instance-title').textContent = instance.name;
  const facts = clear($('instance-facts'));
  const fact = (term, value, id) => facts.append(el('div', {}, el('dt', {}, term), el('dd', { id }, value)));
  fact('Live release', instance.current_release ? `v${instance.current_release.version}` : 'none yet', 'current-release');
  fact('Health', instance.health.status + (instance.health.reason ? ` (${instance.health.reason})` : ''), 'instance-health');
  fact('Replicas', String(instance.replicas));
  fact('Provider', instance.provider);
  fact('Default strategy', instance.default_strategy);
}

function onDeployment(d) {
  const previous = app.latest;
  if (previous && previous.id !== d.id && d.created_at < previous.created_at) {
    return; // an older deployment's late news: the panel shows the newest
  }
  app.latest = d;
  app.view.render(d);
  refreshAnalysis(d.id, previous?.id !== d.id ? 0 : 1000);
  const ended = TERMINAL.has(d.state) && (!previous || previous.id !== d.id || previous.state !== d.state);
  if (!previous || previous.id !== d.id || ended) {
    loadHistory();
  }
}

async function loadHistory() {
  const id = app.selected;
  try {
    const [releases, deployments] = await Promise.all([
      app.api.get(`/v1/instances/${id}/releases?limit=50`),
      app.api.get(`/v1/instances/${id}/deployments?limit=100`),
    ]);
    if (id !== app.selected) {
      return;
    }
    renderHistory(releases.items, deployments.items, app.instances.get(id)?.current_release, rollback);
    if (!app.latest && deployments.items.length > 0) {
      onDeployment(deployments.items[0]);
    }
  } catch (error) {
    if (error.status === 401) {
      logout('The key is no longer accepted (401).');
    }
  }
}

/** The analysis charts of the deployment shown: at once for a new one, at most once a second otherwise. */
function refreshAnalysis(deploymentId, delayMs) {
  if (app.analysisTimer && delayMs > 0) {
    return;
  }
  clearTimeout(app.analysisTimer);
  app.analysisTimer = setTimeout(() => {
    app.analysisTimer = null;
    if (app.latest?.id === deploymentId) {
      app.analysis.refresh(deploymentId);
    }
  }, delayMs);
}

let historyTimer = null;
function onFeedEvent(event) {
  app.view.learn(event.data);
  if (event.type === 'deploy.analysis' && event.data?.deployment_id === app.latest?.id) {
    refreshAnalysis(app.latest.id, 0);
  }
  if (event.data?.instance_id === app.selected) {
    clearTimeout(historyTimer);
    historyTimer = setTimeout(loadHistory, 200);
  }
}

async function command(deployment, name) {
  const spec = COMMANDS[name];
  if (!await confirmAction(spec.title, spec.text(deployment), spec.verb)) {
    return;
  }
  $('control-error').textContent = '';
  try {
    const updated = await app.api.post(`/v1/deployments/${deployment.id}/${name}`, {});
    if (updated?.id === app.latest?.id) {
      onDeployment(updated);
    }
  } catch (error) {
    $('control-error').textContent = `${spec.verb} refused (${error.status}): ${error.message}`;
  }
}

async function rollback(release) {
  const ok = await confirmAction(`Roll back to v${release.version}?`,
    `A new release is made with the image and configuration of v${release.version} (${release.image}) and deployed with the instance's default strategy.`,
    `Roll back to v${release.version}`);
  if (!ok) {
    return;
  }
  $('control-error').textContent = '';
  try {
    onDeployment(await app.api.post(`/v1/instances/${release.instance_id}/rollback`, { release_id: release.id }));
  } catch (error) {
    $('control-error').textContent = `Rollback refused (${error.status}): ${error.message}`;
  }
}

boot();
