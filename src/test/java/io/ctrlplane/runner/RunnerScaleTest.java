package io.ctrlplane.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Rollouts;
import io.ctrlplane.testing.RunnerProcess;
import io.ctrlplane.testing.Sql;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// special setup: every deployment runs in runner processes started per test (kill -9 needs one)
@CtrlPlaneServer(roles = "api,relay")
@DisplayName(
    "One runner holds hundreds of deployments: waiting ones block nobody, and all move on a crash")
class RunnerScaleTest {
  private static final int LEASE_SECONDS = 2;
  private static final Duration END = Duration.ofSeconds(120);
  private static final JsonObject INSTANT =
      new JsonObject().put("start_delay_ms", 0).put("ready_delay_ms", 0);
  private static final JsonObject PAUSED_CANARY =
      new JsonObject()
          .put(
              "steps",
              new JsonArray()
                  .add(new JsonObject().put("set_weight", 50))
                  .add(new JsonObject().put("pause", new JsonObject())));

  private AppConfig config;
  private ApiClient api;
  private Rollouts rollouts;
  private Sql sql;
  private final List<RunnerProcess> runners = new ArrayList<>();
  private Path logs;

  @BeforeAll
  void start(AppConfig config, ApiClient api, Sql sql) {
    this.config = config;
    this.api = api;
    this.sql = sql;
    rollouts = new Rollouts(api);
  }

  @AfterEach
  void stopRunners() throws Exception {
    for (RunnerProcess r : runners) {
      r.close();
    }
    runners.clear();
  }

  private RunnerProcess runner(String name, TestInfo test) throws Exception {
    logs = Path.of("target", "runner-processes", test.getTestMethod().orElseThrow().getName());
    RunnerProcess r = RunnerProcess.start(name, config, LEASE_SECONDS, logs);
    runners.add(r);
    r.awaitLog("Ctrl Plane is up", Duration.ofSeconds(60));
    return r;
  }

  /** {@code n} instances of one replica with v1 live, deployed all at once. */
  private List<String> liveInstances(int n) {
    List<String> instances = new ArrayList<>();
    List<String> firsts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String instanceId = rollouts.instance(1, INSTANT);
      instances.add(instanceId);
      firsts.add(rollouts.deploy(instanceId, "acme/app:1", "rolling", null));
    }
    awaitAll(firsts, "succeeded", "v1 live on every instance");
    return instances;
  }

  private List<String> deployAll(List<String> instances, String strategy, JsonObject params) {
    return instances.stream().map(i -> rollouts.deploy(i, "acme/app:2", strategy, params)).toList();
  }

  private long count(List<String> ids, String condition) {
    return sql.count(
        "SELECT count(*) FROM deployments WHERE id = ANY($1) AND " + condition,
        (Object) ids.toArray(new String[0]));
  }

  private void awaitAll(List<String> ids, String state, String what) {
    Await.until(
        END,
        what,
        () -> {
          long failed =
              count(
                  ids,
                  "state IN ('failed','cancelled','rolled_back') AND state <> '" + state + "'");
          assertThat(failed).as("deployments that ended otherwise").isZero();
          return count(ids, "state = '" + state + "'") == ids.size() ? true : null;
        });
  }

  private void awaitPaused(List<String> ids) {
    Await.until(
        END,
        ids.size() + " canaries paused at 50 %",
        () ->
            count(ids, "state = 'running' AND progress->>'blocked_on' = 'pause'") == ids.size()
                ? true
                : null);
  }

  private void promoteAll(List<String> ids) {
    for (String id : ids) {
      assertThat(
              api.post("/v1/deployments/" + id + "/promote", new JsonObject().put("full", true))
                  .status())
          .isEqualTo(202);
    }
  }

  /**
   * Whether {@code log} says the deployment ran on {@code runner} ({@code suffix}: ", resumed").
   */
  private static boolean ranOn(String log, String id, RunnerProcess runner, String suffix) {
    return Pattern.compile(
            Pattern.quote(id)
                + " of instance \\S+ running on runner-"
                + runner.pid()
                + "-\\S+ \\(epoch \\d+"
                + Pattern.quote(suffix)
                + "\\)")
        .matcher(log)
        .find();
  }

  @Test
  @DisplayName(
      "50 canaries paused indefinitely and 150 deploys in one runner: the 150 all succeed while the 50 stay paused")
  void noneWaitsBehindPaused(TestInfo test) throws Exception {
    RunnerProcess runner = runner("runner-a", test);
    List<String> instances = liveInstances(200);
    List<String> paused = deployAll(instances.subList(0, 50), "canary", PAUSED_CANARY);
    awaitPaused(paused);

    List<String> others = deployAll(instances.subList(50, 200), "rolling", null);
    awaitAll(others, "succeeded", "the 150 other deploys to succeed");

    assertThat(count(paused, "state = 'running' AND progress->>'blocked_on' = 'pause'"))
        .as("the paused canaries are still paused, at 50 %")
        .isEqualTo(50);
    assertThat(count(paused, "lease_owner LIKE 'runner-" + runner.pid() + "-%'"))
        .as("held by the one runner all along")
        .isEqualTo(50);
    String log = runner.log();
    List<String> ours = new ArrayList<>(paused);
    ours.addAll(others);
    assertThat(ours)
        .as("the one runner held all 200 (50 paused canaries, 150 rolling)")
        .allMatch(id -> ranOn(log, id, runner, ""), "logged as running on this runner");

    promoteAll(paused);
    awaitAll(paused, "succeeded", "the promoted canaries to finish");
  }

  @Test
  @DisplayName(
      "kill -9 of a runner holding 200 paused canaries: another runner takes over all 200 and finishes them")
  void killedWithTwoHundred(TestInfo test) throws Exception {
    RunnerProcess first = runner("runner-a", test);
    List<String> instances = liveInstances(200);
    List<String> canaries = deployAll(instances, "canary", PAUSED_CANARY);
    awaitPaused(canaries);
    assertThat(count(canaries, "lease_owner LIKE 'runner-" + first.pid() + "-%'")).isEqualTo(200);
    long maxEpoch =
        sql.count(
            "SELECT max(lease_epoch) FROM deployments WHERE id = ANY($1)",
            (Object) canaries.toArray(new String[0]));

    first.kill();
    RunnerProcess second = runner("runner-b", test);
    Await.until(
        END,
        "all 200 leases to move to the second runner",
        () ->
            count(
                        canaries,
                        "lease_owner LIKE 'runner-"
                            + second.pid()
                            + "-%' AND lease_epoch > "
                            + maxEpoch)
                    == 200
                ? true
                : null);
    // the log line follows the claim's commit: wait for it rather than race it
    Await.until(
        END,
        "the second runner to log each of the 200 as resumed",
        () -> {
          String log = second.log();
          return canaries.stream().allMatch(id -> ranOn(log, id, second, ", resumed"))
              ? true
              : null;
        });
    assertThat(count(canaries, "state = 'running' AND progress->>'blocked_on' = 'pause'"))
        .as("still paused after the takeover: the pause is kept, not replayed past")
        .isEqualTo(200);

    promoteAll(canaries);
    awaitAll(canaries, "succeeded", "all 200 to finish on the second runner");
    Await.until(
        END,
        "the second runner to log each of the 200 as finished by it",
        () -> {
          String log = second.log();
          return canaries.stream()
                  .allMatch(
                      id ->
                          Pattern.compile(
                                  "deployment " + Pattern.quote(id) + " of instance \\S+ succeeded")
                              .matcher(log)
                              .find())
              ? true
              : null;
        });
    assertThat(
            sql.count(
                "SELECT count(*) FROM outbox WHERE type = 'deploy.started' AND event->>'subject' = ANY($1)",
                (Object) canaries.toArray(new String[0])))
        .as("each started once: the takeover is a resume, not a restart")
        .isEqualTo(200);
  }
}
