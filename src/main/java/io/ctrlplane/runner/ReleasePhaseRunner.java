package io.ctrlplane.runner;

import io.ctrlplane.deploy.Ids;
import io.ctrlplane.deploy.ReleaseCommand;
import io.ctrlplane.provider.PhaseResult;
import io.ctrlplane.provider.Provider;
import io.ctrlplane.provider.ReleaseRef;
import io.ctrlplane.security.Keyring;
import io.ctrlplane.strategy.Side;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs the release phase without holding a slot: the run goes on in the background while the step
 * waits; its outcome and output are recorded in {@code release_phase_runs} (the one writer of that
 * table) and wake the deployment. A release whose phase once succeeded is not run again; a run left
 * {@code running} by a runner that stopped is marked interrupted and run again.
 */
final class ReleasePhaseRunner {
  static final String BLOCKED_ON = "release_phase";

  /** How many lines of output the deployment's error quotes. */
  static final int ERROR_LINES = 10;

  /** A provider gets this much longer than the timeout to report the run it stopped. */
  static final long GRACE_MS = 5_000;

  private final Pool pool;
  private final Map<String, Boolean> inFlight = new ConcurrentHashMap<>();

  ReleasePhaseRunner(Pool pool) {
    this.pool = pool;
  }

  Future<Outcome> attempt(RolloutContext ctx, Provider provider, Keyring keyring, Runnable wake) {
    if (ctx.releaseCommand() == null) {
      return Future.succeededFuture(Outcome.DONE); // removed from the instance since
    }
    ReleaseRef release = ctx.release(Side.NEW);
    String deploymentId = ctx.claim().deploymentId();
    return runs(deploymentId, release.id())
        .compose(
            rows -> {
              if (rows.stream().anyMatch(r -> "succeeded".equals(r.getString("outcome")))) {
                return Future.succeededFuture(Outcome.DONE);
              }
              List<Row> mine =
                  rows.stream()
                      .filter(r -> deploymentId.equals(r.getString("deployment_id")))
                      .toList();
              Row last = mine.isEmpty() ? null : mine.get(mine.size() - 1);
              if (last != null
                  && ("failed".equals(last.getString("outcome"))
                      || "timed_out".equals(last.getString("outcome")))) {
                return Future.succeededFuture(new Outcome.Failed(last.getString("error")));
              }
              if (last != null && "running".equals(last.getString("outcome"))) {
                if (inFlight.containsKey(deploymentId)) {
                  return Future.succeededFuture(waiting(ctx, release));
                }
                return interrupted(last.getString("id"))
                    .compose(v -> start(ctx, provider, keyring, release, wake));
              }
              return start(ctx, provider, keyring, release, wake);
            });
  }

  private Future<Outcome> start(
      RolloutContext ctx, Provider provider, Keyring keyring, ReleaseRef release, Runnable wake) {
    String deploymentId = ctx.claim().deploymentId();
    if (inFlight.putIfAbsent(deploymentId, Boolean.TRUE) != null) {
      return Future.succeededFuture(waiting(ctx, release));
    }
    List<String> argv =
        ReleaseCommand.render(
            ctx.releaseCommand(), release.image(), release.id(), release.version());
    ReleaseRef withEnv;
    try {
      withEnv = provider.opensSecrets() ? release : ctx.handOff(Side.NEW, keyring);
    } catch (Keyring.Unreadable e) {
      inFlight.remove(deploymentId);
      return Future.succeededFuture(new Outcome.Failed(e.getMessage()));
    }
    String runId = Ids.next("rph");
    int timeout = ctx.releaseTimeoutSeconds();
    return pool.preparedQuery(
            "INSERT INTO release_phase_runs (id, deployment_id, release_id, argv, outcome) "
                + "VALUES ($1, $2, $3, $4, 'running')")
        .execute(Tuple.of(runId, deploymentId, release.id(), new JsonArray(new ArrayList<>(argv))))
        .onFailure(e -> inFlight.remove(deploymentId))
        .map(
            ok -> {
              provider
                  .runReleasePhase(ctx.fence(), withEnv, argv, timeout)
                  .timeout(timeout * 1000L + GRACE_MS, TimeUnit.MILLISECONDS)
                  .transform(ar -> finish(runId, argv, timeout, ar.result(), ar.cause()))
                  .onComplete(
                      ar -> {
                        inFlight.remove(deploymentId);
                        wake.run();
                      });
              return waiting(ctx, release);
            });
  }

  private Outcome waiting(RolloutContext ctx, ReleaseRef release) {
    return new Outcome.Waiting(
        BLOCKED_ON,
        "running the release phase of "
            + ctx.label(Side.NEW)
            + " (at most "
            + ctx.releaseTimeoutSeconds()
            + " s): "
            + String.join(
                " ",
                ReleaseCommand.render(
                    ctx.releaseCommand(), release.image(), release.id(), release.version())),
        false,
        ctx.releaseTimeoutSeconds() * 1000L + GRACE_MS + 1_000L);
  }

  /** Records how the run ended; never fails (a failure is an outcome). */
  private Future<Void> finish(
      String runId, List<String> argv, int timeout, PhaseResult result, Throwable cause) {
    String outcome;
    Integer exit = null;
    String output = "";
    String error = null;
    String cmd = String.join(" ", argv);
    if (result != null) {
      exit = result.exitCode();
      output = result.output();
      boolean timedOut = result.exitCode() == PhaseResult.TIMED_OUT;
      outcome = result.succeeded() ? "succeeded" : timedOut ? "timed_out" : "failed";
      if (!result.succeeded()) {
        String last = result.lastLines(ERROR_LINES);
        error =
            (timedOut
                    ? "release phase timed out after " + timeout + " s (release_timeout_seconds)"
                    : "release phase failed with exit code " + exit)
                + " running: "
                + cmd
                + (last.isEmpty() ? "" : "; last lines:\n" + last);
      }
    } else if (cause instanceof TimeoutException
        || String.valueOf(cause == null ? null : cause.getMessage()).contains("imeout")) {
      outcome = "timed_out";
      error =
          "release phase timed out after "
              + timeout
              + " s (release_timeout_seconds) running: "
              + cmd;
    } else {
      outcome = "failed";
      error = "release phase could not run: " + firstLine(cause) + " (command: " + cmd + ")";
    }
    return pool.preparedQuery(
            "UPDATE release_phase_runs SET outcome = $2, exit_code = $3, output = $4, error = $5, "
                + "finished_at = now() WHERE id = $1 AND outcome = 'running'")
        .execute(Tuple.of(runId, outcome, exit, output, error))
        .<Void>mapEmpty()
        .otherwise((Void) null);
  }

  private Future<Void> interrupted(String runId) {
    return pool.preparedQuery(
            "UPDATE release_phase_runs SET outcome = 'interrupted', finished_at = now(), "
                + "error = 'the runner running it stopped' WHERE id = $1 AND outcome = 'running'")
        .execute(Tuple.of(runId))
        .mapEmpty();
  }

  private Future<List<Row>> runs(String deploymentId, String releaseId) {
    return pool.preparedQuery(
            "SELECT id, deployment_id, outcome, exit_code, error FROM release_phase_runs "
                + "WHERE release_id = $1 AND (deployment_id = $2 OR outcome = 'succeeded') "
                + "ORDER BY started_at, id")
        .execute(Tuple.of(releaseId, deploymentId))
        .map(
            rs -> {
              List<Row> rows = new ArrayList<>();
              rs.forEach(rows::add);
              return rows;
            });
  }

  private static String firstLine(Throwable e) {
    if (e == null) {
      return "unknown error";
    }
    String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    msg = msg.lines().findFirst().orElse(msg);
    return msg.length() > 300 ? msg.substring(0, 300) : msg;
  }
}
