package io.ctrlplane.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Deploys;
import io.ctrlplane.testing.Sql;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Retention (issue 16): provider timelines and traffic counts older than the instance's (or the
 * global) retention are deleted in batches; newer rows, releases, deployments and audit records
 * stay; the timelines stay append-only outside pruning.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer
@DisplayName("Retention")
class RetentionTest {
  private Sql sql;
  private Deploys deploys;

  @BeforeAll
  void start(ApiClient client, Sql sql) {
    this.sql = sql;
    deploys = new Deploys(client.checked());
  }

  private void timeline(String instance, int age, int rows) {
    for (int i = 0; i < rows; i++) {
      sql.update(
          "INSERT INTO sim_timeline (instance_id, at, kind) VALUES ($1, now() - make_interval(days => $2::int), 'test.row')",
          instance,
          age);
      sql.update(
          "INSERT INTO proc_traffic (instance_id, release_id, agent_id, second, requests, errors) "
              + "VALUES ($1, 'rel_x', $2, date_trunc('second', now() - make_interval(days => $3::int)), 1, 0)",
          instance,
          "agent-" + age + "-" + i,
          age);
    }
  }

  private List<Long> kept() {
    return Stream.of("releases", "deployments", "audit_log", "outbox", "analysis_measurements")
        .map(t -> sql.count("SELECT count(*) FROM " + t))
        .toList();
  }

  @Test
  @DisplayName(
      "rows older than N days go in batches, newer stay; releases, deployments and audit untouched")
  void prunes() {
    String a = deploys.instance("ret-a", 0);
    deploys.awaitState(deploys.deploy(a, "registry.example.com/acme/app:1", null), "succeeded");
    String b = deploys.instance("ret-b", 0);
    sql.update("UPDATE instances SET retention_days = 3 WHERE id = $1", b);
    timeline(a, 40, 5);
    timeline(a, 10, 3);
    timeline(b, 10, 4);
    timeline(b, 1, 2);
    List<Long> before = kept();
    long recentA =
        sql.count(
            "SELECT count(*) FROM sim_timeline WHERE instance_id = $1 AND kind <> 'test.row'", a);

    long deleted = Await.result(new Retention(sql.pool(), 30, 2).prune());
    assertThat(deleted).as("5+5 of a (global 30 days), 4+4 of b (its own 3 days)").isEqualTo(18);
    assertThat(
            sql.count(
                "SELECT count(*) FROM sim_timeline WHERE instance_id = $1 AND kind = 'test.row'",
                a))
        .isEqualTo(3);
    assertThat(
            sql.count(
                "SELECT count(*) FROM sim_timeline WHERE instance_id = $1 AND kind = 'test.row'",
                b))
        .isEqualTo(2);
    assertThat(sql.count("SELECT count(*) FROM proc_traffic WHERE instance_id = $1", a))
        .isEqualTo(3);
    assertThat(sql.count("SELECT count(*) FROM proc_traffic WHERE instance_id = $1", b))
        .isEqualTo(2);
    assertThat(
            sql.count(
                "SELECT count(*) FROM sim_timeline WHERE instance_id = $1 AND kind <> 'test.row'",
                a))
        .as("the deploy's own recent timeline")
        .isEqualTo(recentA);
    assertThat(kept()).isEqualTo(before);
    assertThat(Await.result(new Retention(sql.pool(), 30, 2).prune())).isZero();
    assertThatThrownBy(() -> sql.update("DELETE FROM sim_timeline WHERE instance_id = $1", a))
        .as("append-only outside pruning")
        .hasMessageContaining("append-only");
  }
}
