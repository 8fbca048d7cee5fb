-- issue 20: the W3C trace context of the request that created a deployment (null when tracing is
-- off), so the runner's step spans and the relay's publish spans join that request's trace, and
-- every event of the deployment carries it as the CloudEvents traceparent extension.
ALTER TABLE deployments ADD COLUMN traceparent text;
