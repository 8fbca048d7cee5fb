package io.ctrlplane.runner;

import io.ctrlplane.deploy.Hook;
import io.ctrlplane.deploy.Ids;
import io.ctrlplane.provider.ReleaseRef;
import io.ctrlplane.strategy.Step;
import io.ctrlplane.webhooks.Signature;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Calls blocking hooks without holding a slot: an attempt is sent in the background and the step
 * waits; its outcome is recorded in {@code hook_calls} (the one writer of that table) and wakes the
 * deployment, whose next move reads it. The recorded attempts are the memory: a runner that takes
 * the deployment over after a crash goes on from the last recorded attempt.
 */
final class HookCaller {
  static final String BLOCKED_ON = "hook";
  private final HttpClient client;
  private final Pool pool;
  private final Map<String, Boolean> inFlight = new ConcurrentHashMap<>();

  private final ReleasePhaseRunner releasePhase;

  HookCaller(HttpClient client, Pool pool) {
    this.client = client;
    this.pool = pool;
    this.releasePhase = new ReleasePhaseRunner(pool);
  }

  /** The release phase's runner: like a hook, a gate that runs in the background. */
  ReleasePhaseRunner releasePhase() {
    return releasePhase;
  }

  /** One look at the hook step: passed, failed (after every attempt), or waiting for an answer. */
  Future<Outcome> attempt(RolloutContext ctx, Step.Hook step, int index, Runnable wake) {
    Hook hook = step.hook() < ctx.hooks().size() ? ctx.hooks().get(step.hook()) : null;
    if (hook == null || !hook.on().equals(step.on())) {
      return Future.succeededFuture(Outcome.DONE); // the hook was removed from the instance since
    }
    String key = ctx.claim().deploymentId() + ":" + index;
    return calls(ctx.claim().deploymentId(), index)
        .map(
            rows -> {
              int attempts = hook.retries() + 1;
              Row last = rows.isEmpty() ? null : rows.get(rows.size() - 1);
              if (last != null && "passed".equals(last.getString("outcome"))) {
                return Outcome.DONE;
              }
              String what = step.on() + " hook " + hook.url();
              if (rows.size() >= attempts) {
                return new Outcome.Failed(
                    what + " failed after " + attempts + " attempt(s): " + describe(last));
              }
              int attempt = rows.size() + 1;
              if (inFlight.putIfAbsent(key, Boolean.TRUE) == null) {
                call(ctx, hook, index, attempt)
                    .onComplete(
                        ar -> {
                          inFlight.remove(key);
                          wake.run();
                        });
              }
              return new Outcome.Waiting(
                  BLOCKED_ON,
                  "calling the "
                      + what
                      + ", attempt "
                      + attempt
                      + " of "
                      + attempts
                      + (last == null ? "" : " (last: " + describe(last) + ")"),
                  false,
                  hook.timeoutMs() + 1_000L);
            });
  }

  private Future<List<Row>> calls(String deploymentId, int step) {
    return pool.preparedQuery(
            "SELECT attempt, status_code, outcome, error FROM hook_calls "
                + "WHERE deployment_id = $1 AND step = $2 ORDER BY attempt")
        .execute(Tuple.of(deploymentId, step))
        .map(
            rs -> {
              List<Row> rows = new ArrayList<>();
              rs.forEach(rows::add);
              return rows;
            });
  }

  private static String describe(Row row) {
    Integer status = row.getInteger("status_code");
    return status != null ? "HTTP " + status : row.getString("error");
  }

  /** Sends one attempt and records its outcome; never fails (a failure is an outcome). */
  private Future<Void> call(RolloutContext ctx, Hook hook, int step, int attempt) {
    byte[] body = body(ctx, hook, attempt).encode().getBytes(StandardCharsets.UTF_8);
    MultiMap headers =
        MultiMap.caseInsensitiveMultiMap()
            .set("Content-Type", "application/json")
            .set("User-Agent", "ctrlplane-hooks/0.1")
            .set("Ctrlplane-Hook", hook.on())
            .set("Ctrlplane-Deployment", ctx.claim().deploymentId())
            .set("Ctrlplane-Attempt", String.valueOf(attempt))
            .set("Ctrlplane-Timestamp", String.valueOf(Instant.now().getEpochSecond()));
    if (hook.secret() != null) {
      headers.set(Signature.HEADER, Signature.sign(hook.secret(), body));
    }
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setAbsoluteURI(hook.url())
            .setHeaders(headers)
            .setFollowRedirects(false)
            .setConnectTimeout(hook.timeoutMs())
            .setIdleTimeout(hook.timeoutMs());
    return client
        .request(options)
        .compose(request -> request.send(Buffer.buffer(body)))
        .compose(response -> response.end().map(v -> response.statusCode()))
        .timeout(hook.timeoutMs(), TimeUnit.MILLISECONDS)
        .map(status -> record(ctx, hook, step, attempt, status, null))
        .recover(
            e ->
                Future.succeededFuture(
                    record(
                        ctx,
                        hook,
                        step,
                        attempt,
                        null,
                        e instanceof java.util.concurrent.TimeoutException
                                || String.valueOf(e.getMessage()).contains("timeout")
                            ? "no answer within " + hook.timeoutMs() + " ms"
                            : firstLine(e))))
        .compose(f -> f);
  }

  private Future<Void> record(
      RolloutContext ctx, Hook hook, int step, int attempt, Integer status, String error) {
    boolean passed = status != null && status >= 200 && status < 300;
    return pool.preparedQuery(
            "INSERT INTO hook_calls (id, deployment_id, step, point, url, attempt, status_code, "
                + "outcome, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .execute(
            Tuple.from(
                new Object[] {
                  Ids.next("hkc"),
                  ctx.claim().deploymentId(),
                  step,
                  hook.on(),
                  hook.url(),
                  attempt,
                  status,
                  passed ? "passed" : "failed",
                  error
                }))
        .<Void>mapEmpty()
        .otherwise((Void) null);
  }

  private static JsonObject body(RolloutContext ctx, Hook hook, int attempt) {
    return new JsonObject()
        .put("hook", new JsonObject().put("on", hook.on()).put("url", hook.url()))
        .put("attempt", attempt)
        .put(
            "deployment",
            new JsonObject()
                .put("id", ctx.claim().deploymentId())
                .put("instance_id", ctx.claim().instanceId())
                .put("instance_name", ctx.instanceName())
                .put("strategy", ctx.strategy())
                .put("release", ref(ctx.newRelease()))
                .put("previous_release", ref(ctx.oldRelease())));
  }

  private static JsonObject ref(ReleaseRef r) {
    return r == null
        ? null
        : new JsonObject().put("id", r.id()).put("version", r.version()).put("image", r.image());
  }

  private static String firstLine(Throwable e) {
    String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    msg = msg.lines().findFirst().orElse(msg);
    return msg.length() > 300 ? msg.substring(0, 300) : msg;
  }
}
