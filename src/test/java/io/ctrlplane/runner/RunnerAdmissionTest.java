package io.ctrlplane.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.security.Scope;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Keys;
import io.ctrlplane.testing.Rollouts;
import io.ctrlplane.testing.RunnerProcess;
import io.ctrlplane.testing.Sql;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// special setup: runner processes with small limits, started per test
@CtrlPlaneServer(roles = "api,relay")
@DisplayName(
    "A runner advertises its load and takes deployments only under its limits: a second runner takes the rest, tenants in turn")
class RunnerAdmissionTest {
  private static final int LEASE_SECONDS = 3;
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
  private Sql sql;
  private final List<RunnerProcess> runners = new ArrayList<>();

  @BeforeAll
  void start(AppConfig config, ApiClient api, Sql sql) {
    this.config = config;
    this.api = api;
    this.sql = sql;
  }

  @AfterEach
  void stopRunners() throws Exception {
    for (RunnerProcess r : runners) {
      r.close();
    }
    runners.clear();
  }

  private RunnerProcess runner(String name, TestInfo test, int maxActive) throws Exception {
    Path logs = Path.of("target", "runner-processes", test.getTestMethod().orElseThrow().getName());
    RunnerProcess r =
        RunnerProcess.start(
            name,
            config,
            LEASE_SECONDS,
            logs,
            Map.of("CTRLPLANE_RUNNER_MAX_ACTIVE", String.valueOf(maxActive)));
    runners.add(r);
    r.awaitLog("Ctrl Plane is up", Duration.ofSeconds(60));
    return r;
  }

  private static List<String> instances(Rollouts rollouts, int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(rollouts.instance(1, INSTANT));
    }
    return ids;
  }

  private static List<String> deployAll(
      Rollouts rollouts, List<String> instances, String image, String strategy, JsonObject p) {
    return instances.stream().map(i -> rollouts.deploy(i, image, strategy, p)).toList();
  }

  private long count(List<String> ids, String condition) {
    return sql.count(
        "SELECT count(*) FROM deployments WHERE id = ANY($1) AND " + condition,
        (Object) ids.toArray(new String[0]));
  }

  private void awaitCount(List<String> ids, String condition, long n, String what) {
    Await.until(END, what, () -> count(ids, condition) == n ? true : null);
  }

  private static String heldBy(RunnerProcess r) {
    return "lease_owner LIKE 'runner-" + r.pid() + "-%'";
  }

  private static final String PAUSED = "state = 'running' AND progress->>'blocked_on' = 'pause'";

  /** The runner's row in {@code runners}, once it advertised {@code active} deployments. */
  private Row advertised(RunnerProcess r, int active) {
    return Await.until(
        END,
        r.name() + " to advertise " + active + " active",
        () -> {
          List<Row> rows =
              sql.rows(
                  "SELECT * FROM runners WHERE id LIKE $1 AND active = $2",
                  "runner-" + r.pid() + "-%",
                  active);
          return rows.isEmpty() ? null : rows.get(0);
        });
  }

  private void promoteAll(ApiClient client, List<String> ids) {
    for (String id : ids) {
      assertThat(
              client
                  .post("/v1/deployments/" + id + "/promote", new JsonObject().put("full", true))
                  .status())
          .isEqualTo(202);
    }
  }

  @Test
  @DisplayName(
      "a runner of max_active 4 holds 4 of 6 paused canaries, says it is full, and a second runner takes the other 2")
  void secondRunnerTakesTheOverflow(TestInfo test) throws Exception {
    Rollouts rollouts = new Rollouts(api);
    RunnerProcess first = runner("runner-a", test, 4);
    List<String> instances = instances(rollouts, 6);
    List<String> v1 = deployAll(rollouts, instances, "acme/app:1", "rolling", null);
    awaitCount(v1, "state = 'succeeded'", 6, "v1 live on the 6 instances, 4 at a time");

    List<String> canaries = deployAll(rollouts, instances, "acme/app:2", "canary", PAUSED_CANARY);
    awaitCount(canaries, PAUSED + " AND " + heldBy(first), 4, "4 canaries paused on runner-a");
    Row full = advertised(first, 4);
    assertThat(full.getInteger("max_active")).isEqualTo(4);
    assertThat(full.getBoolean("admitting")).as("runner-a says it takes no more").isFalse();
    // a later heartbeat of the full runner, and its claim polls (250 ms) in between: still 2 left
    java.time.OffsetDateTime seen = full.getOffsetDateTime("heartbeat_at");
    Await.until(
        END,
        "a later heartbeat of runner-a",
        () ->
            sql.count(
                        "SELECT count(*) FROM runners WHERE id = $1 AND heartbeat_at > $2",
                        full.getString("id"),
                        seen)
                    == 1
                ? true
                : null);
    assertThat(count(canaries, "state = 'pending'"))
        .as("the full runner left 2 pending")
        .isEqualTo(2);
    assertThat(count(canaries, heldBy(first))).isEqualTo(4);

    RunnerProcess second = runner("runner-b", test, 4);
    awaitCount(canaries, PAUSED + " AND " + heldBy(second), 2, "runner-b to pause the other 2");
    assertThat(count(canaries, PAUSED + " AND " + heldBy(first)))
        .as("runner-a kept its 4")
        .isEqualTo(4);
    Row b = advertised(second, 2);
    assertThat(b.getBoolean("admitting")).as("runner-b is under its limits").isTrue();
    assertThat(sql.count("SELECT count(*) FROM runners")).as("one row per runner").isEqualTo(2);

    promoteAll(api, canaries);
    awaitCount(canaries, "state = 'succeeded'", 6, "all 6 to finish");
  }

  @Test
  @DisplayName(
      "6 queued deploys of one tenant and 2 of another, a runner of max_active 4: it takes 2 of each")
  void tenantsInTurn(TestInfo test) throws Exception {
    ApiClient other = api.as(Keys.forTenant(sql, "globex", "globex-admin", Scope.ADMIN));
    Rollouts acme = new Rollouts(api);
    Rollouts globex = new Rollouts(other);
    List<String> acmeInstances = instances(acme, 6);
    List<String> globexInstances = instances(globex, 2);
    // v1 live everywhere, by a runner without a small limit, stopped before the canaries queue
    RunnerProcess setup = runner("runner-setup", test, 100);
    List<String> v1 =
        new ArrayList<>(deployAll(acme, acmeInstances, "acme/app:1", "rolling", null));
    v1.addAll(deployAll(globex, globexInstances, "globex/app:1", "rolling", null));
    awaitCount(v1, "state = 'succeeded'", 8, "v1 live on the 8 instances");
    setup.close();
    runners.remove(setup);

    // the older 6 are acme's: oldest-first would give all 4 places to acme
    List<String> acmeCanaries =
        deployAll(acme, acmeInstances, "acme/app:2", "canary", PAUSED_CANARY);
    List<String> globexCanaries =
        deployAll(globex, globexInstances, "globex/app:2", "canary", PAUSED_CANARY);
    RunnerProcess runner = runner("runner-small", test, 4);
    List<String> all = new ArrayList<>(acmeCanaries);
    all.addAll(globexCanaries);
    awaitCount(all, PAUSED + " AND " + heldBy(runner), 4, "4 canaries paused on runner-small");
    assertThat(count(globexCanaries, heldBy(runner)))
        .as("globex's 2 were taken in turn with acme's first 2")
        .isEqualTo(2);
    assertThat(count(acmeCanaries, heldBy(runner))).as("acme's two oldest").isEqualTo(2);
    assertThat(count(acmeCanaries.subList(0, 2), heldBy(runner))).isEqualTo(2);
    assertThat(count(acmeCanaries, "state = 'pending'")).isEqualTo(4);

    // promote each once it is paused: the runner takes the pending 4 as places free up
    List<String> promoted = new ArrayList<>();
    Await.until(
        END,
        "all 8 to finish, 4 at a time",
        () -> {
          for (String id : all) {
            if (!promoted.contains(id) && count(List.of(id), PAUSED) == 1) {
              promoteAll(globexCanaries.contains(id) ? other : api, List.of(id));
              promoted.add(id);
            }
          }
          return count(all, "state = 'succeeded'") == 8 ? true : null;
        });
  }
}
