package io.ctrlplane.provider.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctrlplane.provider.Fence;
import io.ctrlplane.provider.ReleaseRef;
import io.ctrlplane.provider.StaleEpochException;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlane;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.DemoApps;
import io.ctrlplane.testing.TestStack;
import io.ctrlplane.testing.WebhookReceiver;
import io.vertx.core.Vertx;
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
 * docs/process-provider.md: a runner that lost its lease gets {@code StaleEpochException}, its
 * change is refused and recorded ({@code action.refused}), and nothing reaches a host. The agent
 * here is an HTTP endpoint registered as a live agent that records every call it gets, so "nothing
 * reaches a host" is counted, not assumed; the same calls from the current epoch do reach it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// no roles: the provider is driven directly, on the class's database
@CtrlPlaneServer(roles = "")
@DisplayName("The process provider, asked by a runner whose lease moved on")
class ProcessStaleLeaseTest {
  private static final String AGENT_PATH = "/agent-fence";
  private Vertx vertx;
  private Pool pool;
  private WebhookReceiver agent;
  private ProcessProvider provider;
  private AgentClient agents;

  @BeforeAll
  void start(CtrlPlane plane) {
    vertx = plane.vertx();
    pool = plane.sql().pool();
    agent = WebhookReceiver.start(vertx);
    agents = new AgentClient(vertx, "");
    provider = new ProcessProvider(pool, agents);
    sql(
        "INSERT INTO agents (id, api_url, replica_host, dead_after_ms, started_at, heartbeat_at) "
            + "VALUES ('agent-fence', $1, '127.0.0.1', 3600000, now(), now())",
        agent.url(AGENT_PATH));
  }

  @AfterAll
  void stop() {
    agent.close();
    Await.result(agents.close());
  }

  private void sql(String sql, Object... args) {
    Await.result(pool.preparedQuery(sql).execute(Tuple.from(args)));
  }

  private long count(String sql, Object... args) {
    return Await.result(pool.preparedQuery(sql).execute(Tuple.from(args)))
        .iterator()
        .next()
        .getLong(0);
  }

  private int agentCalls() {
    return agent.requests(AGENT_PATH + "/agent/v1/reconcile").size()
        + agent.requests(AGENT_PATH + "/agent/v1/routes/sync").size();
  }

  @Test
  @DisplayName(
      "refuses every change with StaleEpochException, records it, writes no desired state and "
          + "calls no agent; the current epoch's same change is written and reaches the agent")
  void staleRunnerChangesNothing() {
    String inst = "inst_fence";
    String rel = "rel_fence";
    String dep = "dep_fence";
    JsonObject providerConfig =
        new JsonObject()
            .put("command", DemoApps.command("v1"))
            .put("router_port", TestStack.freePort());
    sql(
        "INSERT INTO instances (id, tenant_id, name, replicas, provider, provider_config, default_strategy) "
            + "VALUES ($1, 'default', 'fence', 2, 'process', $2, 'rolling')",
        inst,
        providerConfig);
    sql(
        "INSERT INTO releases (id, tenant_id, instance_id, version, image) VALUES ($1, 'default', $2, 1, 'demo:v1')",
        rel,
        inst);
    // the lease moved on: epoch 2 holds it now, the stale runner still says 1
    sql(
        "INSERT INTO deployments (id, tenant_id, instance_id, release_id, kind, strategy, state, lease_epoch) "
            + "VALUES ($1, 'default', $2, $3, 'deploy', 'rolling', 'running', 2)",
        dep,
        inst,
        rel);
    ReleaseRef release = new ReleaseRef(rel, 1, "demo:v1");
    Fence stale = new Fence(inst, dep, 1);

    List<Runnable> changes = new ArrayList<>();
    changes.add(() -> Await.result(provider.runReplicas(stale, release, 2)));
    changes.add(() -> Await.result(provider.setTraffic(stale, Map.of(rel, 100))));
    changes.add(() -> Await.result(provider.stopReplicas(stale, rel, 0, 0)));
    for (Runnable change : changes) {
      assertThatThrownBy(change::run)
          .isInstanceOf(StaleEpochException.class)
          .hasMessageContaining("epoch 2");
    }

    assertThat(count("SELECT count(*) FROM proc_replicas WHERE instance_id = $1", inst))
        .as("no replica placed")
        .isZero();
    assertThat(
            count(
                "SELECT count(*) FROM proc_fleets WHERE instance_id = $1 AND weights <> '{}'::jsonb",
                inst))
        .as("no traffic weights")
        .isZero();
    assertThat(count("SELECT refused_actions FROM proc_fleets WHERE instance_id = $1", inst))
        .isEqualTo(3);
    assertThat(
            count(
                "SELECT count(*) FROM proc_timeline WHERE instance_id = $1 AND kind = 'action.refused' "
                    + "AND epoch = 1 AND deployment_id = $2",
                inst,
                dep))
        .isEqualTo(3);
    assertThat(
            count(
                "SELECT count(*) FROM proc_timeline WHERE instance_id = $1 AND kind <> 'action.refused'",
                inst))
        .as("nothing but refusals in the timeline")
        .isZero();
    assertThat(agentCalls()).as("calls that reached the agent").isZero();

    // the control: the same change under the current epoch is written and reaches the agent, so
    // the zero above was measured on a path that does call it
    Await.result(provider.runReplicas(new Fence(inst, dep, 2), release, 2));
    assertThat(
            count(
                "SELECT count(*) FROM proc_replicas WHERE instance_id = $1 AND epoch = 2 "
                    + "AND agent_id = 'agent-fence'",
                inst))
        .isEqualTo(2);
    Await.until(
        java.time.Duration.ofSeconds(10),
        "the current epoch's call at the agent",
        () -> agentCalls() > 0 ? true : null);
  }
}
