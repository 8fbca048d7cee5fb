-- One deploy transaction as the API runs it (ReleaseStore.createDeployment + Outbox.append, no
-- Idempotency-Key): bump the instance's version counter, insert the release, insert the pending
-- deployment, read it back with its joins, bump the event counter, insert the deploy.queued outbox row
-- (a CloudEvent of the real shape and size), NOTIFY the relay and the runners. Run with -M prepared
-- (the API uses prepared statements too) and -D ninst=<instances loaded by bench/run.sh>.
\set i random(1, :ninst)
BEGIN;
UPDATE instances SET last_version = last_version + 1, updated_at = now() WHERE id = 'inst_pgb_' || :i RETURNING id AS inst_id, name AS inst_name, last_version AS ver \gset
INSERT INTO releases (id, instance_id, version, image, env, commit_sha, notes, rollback_of) VALUES ('rel_01' || lpad(to_hex(nextval('bench_ids')), 24, '0'), :inst_id, :ver, 'registry.example/bench/app:' || :ver, '{}', NULL, NULL, NULL) RETURNING id AS rel_id \gset
INSERT INTO deployments (id, instance_id, release_id, previous_release_id, kind, replaces_deployment_id, strategy, strategy_params, state) VALUES ('dep_01' || lpad(to_hex(nextval('bench_ids')), 24, '0'), :inst_id, :rel_id, (SELECT current_release_id FROM instances WHERE id = :inst_id), 'deploy', NULL, 'rolling', '{"max_surge": "25%", "max_unavailable": 0, "min_ready_seconds": 0, "progress_deadline_seconds": 600}', 'pending') RETURNING id AS dep_id \gset
SELECT d.id, d.seq, d.instance_id, d.kind, d.strategy, d.strategy_params, d.state, d.error, d.cancel_requested, d.progress, d.replaces_deployment_id, d.created_at, d.started_at, d.finished_at, d.updated_at, d.release_id, r.version AS release_version, r.image AS release_image, d.previous_release_id, p.version AS previous_version FROM deployments d JOIN releases r ON r.id = d.release_id LEFT JOIN releases p ON p.id = d.previous_release_id WHERE d.id = :dep_id;
UPDATE instances SET last_event_seq = last_event_seq + 1 WHERE id = :inst_id RETURNING last_event_seq AS evseq \gset
INSERT INTO outbox (event_id, instance_id, instance_seq, type, event) VALUES ('evt_01' || lpad(to_hex(nextval('bench_ids')), 24, '0'), :inst_id, :evseq, 'deploy.queued', jsonb_build_object('specversion', '1.0', 'id', 'evt_' || :dep_id::text, 'source', '/ctrlplane/instances/' || :inst_id::text, 'type', 'deploy.queued', 'subject', :dep_id::text, 'time', now()::text, 'datacontenttype', 'application/json', 'instanceseq', :evseq::bigint, 'data', jsonb_build_object('deployment_id', :dep_id::text, 'instance_id', :inst_id::text, 'instance_name', :inst_name::text, 'kind', 'deploy', 'release_id', :rel_id::text, 'version', :ver::int, 'image', 'registry.example/bench/app:' || :ver::text, 'strategy', 'rolling', 'state', 'pending', 'error', NULL, 'previous_release', NULL, 'progress', jsonb_build_object('phase', 'queued', 'blocked_on', 'queue', 'message', 'waiting for a runner and for earlier deployments of this instance'))));
SELECT pg_notify('ctrlplane_outbox', :inst_id);
SELECT pg_notify('ctrlplane_runnable', '');
END;
