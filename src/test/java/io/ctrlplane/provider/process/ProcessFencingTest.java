package io.ctrlplane.provider.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctrlplane.provider.Fence;
import io.ctrlplane.provider.FleetStatus;
import io.ctrlplane.provider.ReleaseRef;
import io.ctrlplane.provider.StaleEpochException;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlane;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The process provider's fence, without a process: a stale runner's change never reaches a host.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// no roles: the provider is driven directly, on the class's database
@CtrlPlaneServer(roles = "")
@DisplayName("The process provider's fencing, on a real PostgreSQL")
class ProcessFencingTest {
  private Vertx vertx;
  private Pool pool;
  private AgentClient agents;
  private ProcessProvider provider;

  @BeforeAll
  void start(CtrlPlane plane) {
    vertx = plane.vertx();
    pool = plane.sql().pool();
    agents = new AgentClient(vertx, "");
    provider = new ProcessProvider(pool, agents);
  }

  @AfterAll
  void stop() {
    Await.result(agents.close());
  }

  private void sql(String sql, Object... args) {
    Await.result(pool.preparedQuery(sql).execute(Tuple.from(args)));
  }

  @Test
  @DisplayName(
      "refuses, records and counts every change from a stale lease epoch, and writes no replica and no weight")
  void staleEpoch() {
    JsonObject config =
        new JsonObject().put("command", new JsonArray().add("true")).put("router_port", 18999);
    sql(
        "INSERT INTO instances (id, tenant_id, name, replicas, provider, provider_config, default_strategy) "
            + "VALUES ('inst_pf1', 'default', 'pf-1', 2, 'process', $1, 'rolling')",
        config);
    sql(
        "INSERT INTO releases (id, tenant_id, instance_id, version, image) "
            + "VALUES ('rel_pf1', 'default', 'inst_pf1', 1, 'demo:v1')");
    sql(
        "INSERT INTO deployments (id, tenant_id, instance_id, release_id, kind, strategy, state, lease_epoch) "
            + "VALUES ('dep_pf1', 'default', 'inst_pf1', 'rel_pf1', 'deploy', 'rolling', 'running', 2)");
    Fence stale = new Fence("inst_pf1", "dep_pf1", 1);
    ReleaseRef release = new ReleaseRef("rel_pf1", 1, "demo:v1");

    assertThatThrownBy(() -> Await.result(provider.runReplicas(stale, release, 2)))
        .isInstanceOf(StaleEpochException.class)
        .hasMessageContaining("the lease is at epoch 2");
    assertThatThrownBy(() -> Await.result(provider.stopReplicas(stale, "rel_pf1", 0, 0)))
        .isInstanceOf(StaleEpochException.class);
    assertThatThrownBy(() -> Await.result(provider.setTraffic(stale, Map.of("rel_pf1", 100))))
        .isInstanceOf(StaleEpochException.class);

    FleetStatus fleet = Await.result(provider.status("inst_pf1"));
    assertThat(fleet.replicas()).isEmpty();
    assertThat(fleet.weights()).isEmpty();
    assertThat(fleet.details().getLong("refused_actions")).isEqualTo(3L);
    List<JsonObject> entries = new ArrayList<>();
    Await.result(provider.timeline("inst_pf1", 10, null))
        .getJsonArray("items")
        .forEach(o -> entries.add((JsonObject) o));
    assertThat(entries)
        .extracting(e -> e.getString("kind"))
        .containsExactly("action.refused", "action.refused", "action.refused");
    assertThat(entries)
        .extracting(e -> e.getJsonObject("detail").getString("action"))
        .containsExactly(
            "run 2 replicas of rel_pf1",
            "stop replicas of rel_pf1 beyond 0",
            "set traffic {\"rel_pf1\":100}");
    assertThat(entries).allSatisfy(e -> assertThat(e.containsKey("agent_id")).isTrue());
  }
}
