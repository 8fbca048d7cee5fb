package io.ctrlplane.provider.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctrlplane.deploy.Ids;
import io.ctrlplane.provider.Fence;
import io.ctrlplane.provider.ReleaseRef;
import io.ctrlplane.provider.StaleEpochException;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlane;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The engine alone, on a real PostgreSQL, with the plainest infrastructure there is: a replica is a
 * row, nothing more (on the simulator's tables, which have the shape every provider's have).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// no roles: the engine is driven directly, on the class's database
@CtrlPlaneServer(roles = "")
@DisplayName("The fenced-fleet engine")
class FencedFleetTest {
  private static final FleetTables ROWS =
      new FleetTables(
          "sim",
          "",
          "NOT r.settled",
          "(r.failed_at <= $3 OR r.crash_at <= $3)",
          "r.ready_at <= $3",
          List.of(),
          "",
          "replica.stop_scheduled",
          false);

  /** Creates bare replica rows, and counts how often it was asked to. */
  private static class Rows implements Infrastructure {
    final AtomicInteger creates = new AtomicInteger();

    @Override
    public String label() {
      return "test fleet";
    }

    @Override
    public FleetTables tables() {
      return ROWS;
    }

    @Override
    public String describe(ReleaseRef release) {
      return release.id();
    }

    @Override
    public Future<Void> create(FleetChange change, ReleaseRef release, int missing) {
      creates.incrementAndGet();
      Fence f = change.fence();
      List<Tuple> rows = new ArrayList<>();
      List<Tuple> entries = new ArrayList<>();
      for (int i = 0; i < missing; i++) {
        String id = Ids.next("rep");
        rows.add(
            Tuple.from(
                new Object[] {
                  id,
                  f.instanceId(),
                  release.id(),
                  release.image(),
                  f.deploymentId(),
                  f.epoch(),
                  change.now()
                }));
        entries.add(change.entry("replica.created", id, release.id(), new JsonObject()));
      }
      return change
          .conn()
          .preparedQuery(
              "INSERT INTO sim_replicas (id, instance_id, release_id, image, deployment_id, epoch,"
                  + " created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
          .executeBatch(rows)
          .compose(ok -> change.record(entries));
    }
  }

  private final AtomicInteger names = new AtomicInteger();
  private Vertx vertx;
  private Pool pool;

  @BeforeAll
  void start(CtrlPlane plane) {
    vertx = plane.vertx();
    pool = plane.sql().pool();
  }

  private record Setup(String instanceId, ReleaseRef release, Fence fence) {}

  /** An instance, a release and a running deployment at epoch 1. */
  private Setup setup() {
    int n = names.incrementAndGet();
    String inst = "inst_ff" + n;
    String rel = "rel_ff" + n;
    String dep = "dep_ff" + n;
    sql(
        "INSERT INTO instances (id, tenant_id, name, replicas, provider, provider_config, default_strategy) "
            + "VALUES ($1, 'default', $2, 2, 'simulator', '{}', 'rolling')",
        inst,
        "ff-" + n);
    sql(
        "INSERT INTO releases (id, tenant_id, instance_id, version, image) VALUES ($1, 'default', $2, 1, 'acme/app:1')",
        rel,
        inst);
    sql(
        "INSERT INTO deployments (id, tenant_id, instance_id, release_id, kind, strategy, state, lease_epoch) "
            + "VALUES ($1, 'default', $2, $3, 'deploy', 'rolling', 'running', 1)",
        dep,
        inst,
        rel);
    return new Setup(inst, new ReleaseRef(rel, 1, "acme/app:1"), new Fence(inst, dep, 1));
  }

  private List<Row> sql(String sql, Object... args) {
    List<Row> rows = new ArrayList<>();
    Await.result(pool.preparedQuery(sql).execute(Tuple.from(args))).forEach(rows::add);
    return rows;
  }

  private List<JsonObject> timeline(FencedFleet fleet, Setup s) {
    List<JsonObject> all = new ArrayList<>();
    Await.result(fleet.timelinePage(s.instanceId(), 100, null))
        .getJsonArray("items")
        .forEach(o -> all.add((JsonObject) o));
    return all;
  }

  @Test
  @DisplayName(
      "a change from a stale epoch changes no desired state, never reaches the infrastructure, and is recorded and counted")
  void staleEpoch() {
    Rows infra = new Rows();
    FencedFleet fleet = new FencedFleet(pool, infra);
    Setup s = setup();
    Await.result(fleet.runReplicas(s.fence(), s.release(), 2));
    Await.result(fleet.setTraffic(s.fence(), Map.of(s.release().id(), 100)));
    sql("UPDATE deployments SET lease_epoch = 2 WHERE id = $1", s.fence().deploymentId());

    assertThatThrownBy(() -> Await.result(fleet.runReplicas(s.fence(), s.release(), 5)))
        .isInstanceOf(StaleEpochException.class)
        .hasMessageContaining("epoch 1")
        .hasMessageContaining("the lease is at epoch 2");
    assertThatThrownBy(() -> Await.result(fleet.stopReplicas(s.fence(), s.release().id(), 0, 0)))
        .isInstanceOf(StaleEpochException.class);
    assertThatThrownBy(() -> Await.result(fleet.setTraffic(s.fence(), Map.of())))
        .isInstanceOf(StaleEpochException.class);

    assertThat(infra.creates).as("only the fresh change created replicas").hasValue(1);
    assertThat(
            sql(
                "SELECT count(*) AS n FROM sim_replicas WHERE instance_id = $1 AND stop_at IS NULL",
                s.instanceId()))
        .extracting(r -> r.getLong("n"))
        .containsExactly(2L);
    FencedFleet.Observed observed = Await.result(fleet.observe(s.instanceId()));
    assertThat(observed.weights()).isEqualTo(Map.of(s.release().id(), 100));
    assertThat(observed.refusedActions()).isEqualTo(3);

    List<JsonObject> refused =
        timeline(fleet, s).stream()
            .filter(e -> e.getString("kind").equals("action.refused"))
            .toList();
    assertThat(refused)
        .extracting(e -> e.getJsonObject("detail").getString("action"))
        .containsExactly(
            "run 5 replicas of " + s.release().id(),
            "stop replicas of " + s.release().id() + " beyond 0",
            "set traffic {}");
    assertThat(refused)
        .allSatisfy(
            e -> {
              assertThat(e.getString("deployment_id")).isEqualTo(s.fence().deploymentId());
              assertThat(e.getLong("epoch")).isEqualTo(1L);
              assertThat(e.getJsonObject("detail").getString("reason"))
                  .isEqualTo("the lease is at epoch 2");
            });
  }

  @Test
  @DisplayName("a deployment that is no longer running cannot change the fleet, whatever its epoch")
  void notRunning() {
    FencedFleet fleet = new FencedFleet(pool, new Rows());
    Setup s = setup();
    sql("UPDATE deployments SET state = 'cancelled' WHERE id = $1", s.fence().deploymentId());

    assertThatThrownBy(() -> Await.result(fleet.runReplicas(s.fence(), s.release(), 1)))
        .isInstanceOf(StaleEpochException.class)
        .hasMessageContaining("deployment is cancelled");
    assertThat(Await.result(fleet.observe(s.instanceId())).refusedActions()).isEqualTo(1);
    assertThat(timeline(fleet, s))
        .extracting(e -> e.getString("kind"))
        .containsExactly("action.refused");
  }

  @Test
  @DisplayName(
      "the current epoch changes the fleet; repeating a change is harmless; a failed change leaves nothing behind")
  void currentEpoch() {
    Rows infra = new Rows();
    FencedFleet fleet = new FencedFleet(pool, infra);
    Setup s = setup();
    Await.result(fleet.runReplicas(s.fence(), s.release(), 2));
    Await.result(fleet.runReplicas(s.fence(), s.release(), 2));
    assertThat(infra.creates).hasValue(1);

    FencedFleet failing =
        new FencedFleet(
            pool,
            new Rows() {
              @Override
              public Future<Void> create(FleetChange change, ReleaseRef release, int missing) {
                return super.create(change, release, missing)
                    .compose(v -> Future.failedFuture("the infrastructure said no"));
              }
            });
    assertThatThrownBy(() -> Await.result(failing.runReplicas(s.fence(), s.release(), 3)))
        .hasMessageContaining("the infrastructure said no");
    assertThat(sql("SELECT id FROM sim_replicas WHERE instance_id = $1", s.instanceId()))
        .hasSize(2);
    assertThat(timeline(fleet, s))
        .extracting(e -> e.getString("kind"))
        .containsExactly("replica.created", "replica.created");
    assertThat(Await.result(fleet.observe(s.instanceId())).refusedActions()).isZero();
  }
}
