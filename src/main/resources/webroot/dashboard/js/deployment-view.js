// The deployment panel: state, a live summary for screen readers, the traffic split bar, the step list and
// the control buttons. render() is called with every new version of the deployment (GET or stream).
import { $, clear, el, TERMINAL } from './dom.js';

const PHASE_TEXT = {
  queued: 'queued', rolling_out: 'rolling out', paused: 'paused', reverting: 'reverting',
  succeeded: 'succeeded', failed: 'failed', cancelled: 'cancelled',
};

export class DeploymentView {
  /** onCommand(deployment, command): command is promote, pause, resume or cancel. */
  constructor(onCommand) {
    this.deployment = null;
    this.stepNames = new Map(); // deployment id -> Map(step number -> description seen while it ran)
    for (const command of ['promote', 'pause', 'resume', 'cancel']) {
      $(`btn-${command}`).addEventListener('click', () => this.deployment && onCommand(this.deployment, command));
    }
  }

  /**
   * Learns a step's description from an event's data (deploy.progressed carries the progress object), so
   * steps that went by between two looks are still named; re-renders when it concerns the one shown.
   */
  learn(data) {
    const p = data?.progress;
    if (!p?.step || !p.step_description || p.phase === 'reverting') {
      return;
    }
    this.names(data.deployment_id).set(p.step, p.step_description);
    if (this.deployment?.id === data.deployment_id) {
      this.steps(this.deployment, this.deployment.progress || {});
    }
  }

  names(deploymentId) {
    if (!this.stepNames.has(deploymentId)) {
      this.stepNames.set(deploymentId, new Map());
    }
    return this.stepNames.get(deploymentId);
  }

  hide() {
    this.deployment = null;
    $('deployment').hidden = true;
  }

  render(d) {
    this.deployment = d;
    const p = d.progress || {};
    const active = !TERMINAL.has(d.state);
    $('deployment').hidden = false;
    $('deployment').dataset.state = d.state;
    $('deployment').dataset.deploymentId = d.id;
    $('deployment-title').textContent = active ? 'Deployment in progress' : 'Latest deployment';
    this.summary(d);
    setText($('progress-live'), liveText(d, p));
    this.traffic(d, p.traffic);
    setText($('ready-counts'), readyText(d, p));
    this.steps(d, p);
    this.controls(d, p, active);
  }

  summary(d) {
    const from = d.previous_release ? `v${d.previous_release.version} → ` : '';
    const who = d.initiated_by?.key_name ? ` · by ${d.initiated_by.key_name}` : '';
    const kind = d.kind === 'rollback' ? 'rollback' : 'deploy';
    clear($('deployment-summary')).append(
      el('span', { class: `badge state-${d.state}`, id: 'deployment-state' }, d.state.replace('_', ' ')),
      ` ${kind} ${from}v${d.release.version} `,
      el('code', {}, d.release.image),
      ` · ${d.strategy}${who}`,
      d.error ? el('span', { class: 'error-inline' }, ` · ${d.error}`) : '',
    );
  }

  traffic(d, traffic) {
    const bar = clear($('traffic'));
    const legend = clear($('traffic-legend'));
    if (!traffic) {
      bar.dataset.new = '';
      bar.setAttribute('aria-label', 'Traffic split: not reported yet');
      legend.textContent = 'Traffic split not reported yet.';
      return;
    }
    const parts = [
      ['old', d.previous_release ? `v${d.previous_release.version}` : 'old', traffic.old || 0],
      ['new', `v${d.release.version}`, traffic.new || 0],
      ['other', 'other releases', traffic.other || 0],
    ].filter(([side, , pct]) => pct > 0 || side !== 'other');
    const words = parts.map(([, name, pct]) => `${pct}% to ${name}`).join(', ');
    bar.dataset.new = String(traffic.new || 0);
    bar.dataset.old = String(traffic.old || 0);
    bar.setAttribute('aria-label', `Traffic split: ${words}`);
    for (const [side, name, pct] of parts) {
      const segment = el('span', { class: `segment ${side}`, title: `${name}: ${pct}%` }, pct >= 12 ? `${pct}%` : '');
      segment.style.width = `${pct}%`; // CSSOM, allowed by the style-src 'self' policy
      bar.append(segment);
      legend.append(el('span', { class: `key ${side}` }, `${name} ${pct}%`));
    }
  }

  steps(d, p) {
    const list = clear($('steps'));
    const total = p.steps || 0;
    const current = p.step || 0;
    const names = this.names(d.id);
    if (current && p.step_description && p.phase !== 'reverting') {
      names.set(current, p.step_description);
    }
    const finished = d.state === 'succeeded' || d.state === 'rolled_back';
    // the planned steps name every step ahead of time; while reverting, steps count the revert plan instead
    const planned = Array.isArray(d.plan) && p.phase !== 'reverting' ? d.plan : [];
    for (let i = 1; i <= total; i += 1) {
      const status = finished || i < current ? 'done' : i === current && !TERMINAL.has(d.state) ? 'current' : 'todo';
      const text = planned[i - 1]?.description || names.get(i) || (i === current ? p.step_type : null)
        || (status === 'done' ? 'done' : 'to come');
      list.append(el('li', {
        class: `step ${status}`, 'aria-current': status === 'current' ? 'step' : null,
      }, el('span', { class: 'visually-hidden' }, `${status === 'todo' ? 'to do' : status}: `), `Step ${i} of ${total}: ${text}`));
    }
    list.hidden = total === 0;
  }

  controls(d, p, active) {
    const running = d.state === 'running' && p.phase !== 'reverting' && !d.cancel_requested;
    const manualPause = p.phase === 'paused' && (p.message || '').startsWith('paused on request');
    enable('btn-promote', running && !manualPause
    && (p.step_type === 'pause' || p.blocked_on === 'pause' || p.blocked_on === 'analysis_inconclusive'));
    enable('btn-pause', running && p.phase !== 'paused');
    enable('btn-resume', running && manualPause);
    enable('btn-cancel', active && !d.cancel_requested && p.phase !== 'reverting');
  }
}

function enable(id, on) {
  $(id).disabled = !on;
}

function setText(node, text) {
  if (node.textContent !== text) { // live regions announce changes only
    node.textContent = text;
  }
}

function liveText(d, p) {
  const phase = PHASE_TEXT[p.phase] || p.phase || d.state;
  if (TERMINAL.has(d.state)) {
    return `Deployment of v${d.release.version} ${d.state.replace('_', ' ')}.`;
  }
  const step = p.steps ? `Step ${p.step} of ${p.steps}` : 'Waiting to start';
  const what = p.step_description ? `: ${p.step_description}` : '';
  const traffic = p.traffic ? ` Traffic ${p.traffic.new || 0}% to v${d.release.version}.` : '';
  const waiting = p.blocked_on ? ` Waiting on ${p.blocked_on}.` : '';
  return `${step}${what} (${phase}).${traffic}${waiting}`;
}

function readyText(d, p) {
  if (!p.ready || !p.replicas) {
    return p.message || '';
  }
  const old = d.previous_release ? `v${d.previous_release.version} ${p.ready.old ?? 0}/${p.replicas.old ?? 0} ready, ` : '';
  return `Replicas: ${old}v${d.release.version} ${p.ready.new ?? 0}/${p.replicas.new ?? 0} ready.`
    + (p.message ? ` ${p.message}` : '');
}
