package io.ctrlplane.deploy.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctrlplane.deploy.Deployment;
import io.ctrlplane.deploy.DeploymentState;
import io.ctrlplane.deploy.Doc;
import io.ctrlplane.deploy.Event;
import io.ctrlplane.deploy.Instance;
import io.ctrlplane.deploy.Release;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Row → record → JSON gives, byte for byte, the JSON the API and the events showed before the
 * records existed (the expected strings are what the former row-to-JSON mappers produced).
 */
class DeployCodecTest {
  private static final OffsetDateTime CREATED =
      OffsetDateTime.parse("2026-12-08T01:02:03.456789+02:00");
  private static final OffsetDateTime STARTED = OffsetDateTime.parse("2026-12-07T23:02:04Z");
  private static final OffsetDateTime UPDATED = OffsetDateTime.parse("2026-12-07T18:10:00.5-05:00");

  private static FakeRow deploymentRow() {
    return new FakeRow()
        .with("id", "dep_1")
        .with("seq", 5L)
        .with("instance_id", "inst_1")
        .with("kind", "rollback")
        .with("strategy", "canary")
        .with("strategy_params", new JsonObject("{\"steps\":[10,50],\"pause_seconds\":30}"))
        .with("state", "running")
        .with("error", null)
        .with("cancel_requested", false)
        .with(
            "progress",
            new JsonObject(
                "{\"phase\":\"rolling_out\",\"step\":2,\"steps\":4,"
                    + "\"traffic\":{\"old\":90,\"new\":10},\"message\":null,\"ratio\":0.25}"))
        .with("replaces_deployment_id", "dep_0")
        .with("created_at", CREATED)
        .with("started_at", STARTED)
        .with("finished_at", null)
        .with("updated_at", UPDATED)
        .with("release_id", "rel_2")
        .with("release_version", 2)
        .with("release_image", "registry/app:2")
        .with("previous_release_id", "rel_1")
        .with("previous_version", 1)
        .with("initiated_by_key_id", "key_1")
        .with("initiated_by_key_name", "ci")
        .with(
            "plan",
            new JsonObject(
                "{\"strategy\":\"canary\",\"steps\":["
                    + "{\"type\":\"ensure\",\"description\":\"ensure 1 replica\",\"replicas\":1},"
                    + "{\"type\":\"pause\",\"description\":\"pause until promoted\"}],"
                    + "\"finish_from\":1}"));
  }

  @Test
  @DisplayName("a deployment row renders as the API has always shown it")
  void deploymentRoundTrip() {
    Deployment d = DeployRows.deployment(deploymentRow().row());

    assertThat(d.state()).isEqualTo(DeploymentState.RUNNING);
    assertThat(d.plan().finishFrom()).isEqualTo(1);
    assertThat(d.createdAt()).isEqualTo(Instant.parse("2026-12-07T23:02:03.456789Z"));
    assertThat(DeployJson.deployment(d).encode())
        .isEqualTo(
            "{\"id\":\"dep_1\",\"instance_id\":\"inst_1\",\"kind\":\"rollback\",\"state\":\"running\","
                + "\"strategy\":\"canary\",\"strategy_params\":{\"steps\":[10,50],\"pause_seconds\":30},"
                + "\"release\":{\"id\":\"rel_2\",\"version\":2,\"image\":\"registry/app:2\"},"
                + "\"previous_release\":{\"id\":\"rel_1\",\"version\":1},"
                + "\"replaces_deployment_id\":\"dep_0\",\"error\":null,\"cancel_requested\":false,"
                + "\"progress\":{\"phase\":\"rolling_out\",\"step\":2,\"steps\":4,"
                + "\"traffic\":{\"old\":90,\"new\":10},\"message\":null,\"ratio\":0.25},"
                + "\"plan\":[{\"type\":\"ensure\",\"description\":\"ensure 1 replica\"},"
                + "{\"type\":\"pause\",\"description\":\"pause until promoted\"}],"
                + "\"initiated_by\":{\"key_id\":\"key_1\",\"key_name\":\"ci\"},"
                + "\"created_at\":\"2026-12-07T23:02:03.456789Z\",\"started_at\":\"2026-12-07T23:02:04Z\","
                + "\"finished_at\":null,\"updated_at\":\"2026-12-07T23:10:00.500Z\"}");
  }

  @Test
  @DisplayName("a pending first deploy: no plan, no previous release, no key, not started")
  void pendingDeploymentRoundTrip() {
    FakeRow row =
        deploymentRow()
            .with("kind", "deploy")
            .with("state", "pending")
            .with("strategy_params", null)
            .with("progress", new JsonObject())
            .with("replaces_deployment_id", null)
            .with("started_at", null)
            .with("previous_release_id", null)
            .with("previous_version", null)
            .with("initiated_by_key_id", null)
            .with("initiated_by_key_name", null)
            .with("plan", null);

    assertThat(DeployJson.deployment(DeployRows.deployment(row.row())).encode())
        .isEqualTo(
            "{\"id\":\"dep_1\",\"instance_id\":\"inst_1\",\"kind\":\"deploy\",\"state\":\"pending\","
                + "\"strategy\":\"canary\",\"strategy_params\":null,"
                + "\"release\":{\"id\":\"rel_2\",\"version\":2,\"image\":\"registry/app:2\"},"
                + "\"previous_release\":null,\"replaces_deployment_id\":null,\"error\":null,"
                + "\"cancel_requested\":false,\"progress\":{},\"plan\":null,\"initiated_by\":null,"
                + "\"created_at\":\"2026-12-07T23:02:03.456789Z\",\"started_at\":null,"
                + "\"finished_at\":null,\"updated_at\":\"2026-12-07T23:10:00.500Z\"}");
  }

  private static FakeRow instanceRow() {
    return new FakeRow()
        .with("id", "inst_1")
        .with("name", "web")
        .with("replicas", 3)
        .with("provider", "simulator")
        .with("provider_config", new JsonObject("{\"start_ms\":10,\"faults\":[]}"))
        .with("default_strategy", "rolling")
        .with("default_strategy_params", new JsonObject("{\"max_surge\":1}"))
        .with("current_release_id", "rel_2")
        .with("current_version", 2)
        .with("created_at", CREATED)
        .with("updated_at", UPDATED)
        .with("degraded_reason", null)
        .with("degraded_at", null)
        .with("hooks", new io.vertx.core.json.JsonArray())
        .with("heal_after_seconds", 10)
        .with("heal_status", null)
        .with("heal_reason", null)
        .with("heal_since", null)
        .with("release_command", null)
        .with("release_timeout_seconds", 300);
  }

  @Test
  @DisplayName("a healthy instance and a degraded one render as before")
  void instanceRoundTrip() {
    Instance healthy = DeployRows.instance(instanceRow().row());
    assertThat(DeployJson.instance(healthy).encode())
        .isEqualTo(
            "{\"id\":\"inst_1\",\"name\":\"web\",\"replicas\":3,\"provider\":\"simulator\","
                + "\"provider_config\":{\"start_ms\":10,\"faults\":[]},\"default_strategy\":\"rolling\","
                + "\"default_strategy_params\":{\"max_surge\":1},\"heal_after_seconds\":10,"
                + "\"current_release\":{\"id\":\"rel_2\",\"version\":2},"
                + "\"health\":{\"status\":\"healthy\"},"
                + "\"created_at\":\"2026-12-07T23:02:03.456789Z\","
                + "\"updated_at\":\"2026-12-07T23:10:00.500Z\",\"hooks\":[],"
                + "\"release_command\":null,\"release_timeout_seconds\":300}");

    Instance degraded =
        DeployRows.instance(
            instanceRow()
                .with("current_release_id", null)
                .with("current_version", null)
                .with("degraded_reason", "revert failed")
                .with("degraded_at", STARTED)
                .row());
    assertThat(DeployJson.instance(degraded).encode())
        .isEqualTo(
            "{\"id\":\"inst_1\",\"name\":\"web\",\"replicas\":3,\"provider\":\"simulator\","
                + "\"provider_config\":{\"start_ms\":10,\"faults\":[]},\"default_strategy\":\"rolling\","
                + "\"default_strategy_params\":{\"max_surge\":1},\"heal_after_seconds\":10,"
                + "\"current_release\":null,"
                + "\"health\":{\"status\":\"degraded\",\"reason\":\"revert failed\","
                + "\"since\":\"2026-12-07T23:02:04Z\"},"
                + "\"created_at\":\"2026-12-07T23:02:03.456789Z\","
                + "\"updated_at\":\"2026-12-07T23:10:00.500Z\",\"hooks\":[],"
                + "\"release_command\":null,\"release_timeout_seconds\":300}");
  }

  @Test
  @DisplayName("a release shows its secret names with redacted values, never the values")
  void releaseRoundTrip() {
    Release r =
        DeployRows.release(
            new FakeRow()
                .with("id", "rel_3")
                .with("instance_id", "inst_1")
                .with("version", 3)
                .with("kind", "rollback")
                .with("image", "app:1")
                .with("env", new JsonObject("{\"B\":\"2\",\"A\":\"1\"}"))
                .with("commit_sha", null)
                .with("notes", "rollback to v1")
                .with("rollback_of", "rel_1")
                .with("rollback_of_version", 1)
                .with("created_at", CREATED)
                .with("secret_names", new String[] {"DB_PASSWORD", "TOKEN"})
                .row());

    assertThat(r.secretNames()).containsExactly("DB_PASSWORD", "TOKEN");
    assertThat(DeployJson.release(r).encode())
        .isEqualTo(
            "{\"id\":\"rel_3\",\"instance_id\":\"inst_1\",\"version\":3,\"image\":\"app:1\","
                + "\"kind\":\"rollback\","
                + "\"env\":{\"B\":\"2\",\"A\":\"1\"},"
                + "\"secret_env\":{\"DB_PASSWORD\":\"********\",\"TOKEN\":\"********\"},"
                + "\"commit_sha\":null,\"notes\":\"rollback to v1\","
                + "\"rollback_of\":{\"id\":\"rel_1\",\"version\":1},"
                + "\"created_at\":\"2026-12-07T23:02:03.456789Z\"}");
  }

  @Test
  @DisplayName("an event's data is the deployment's ids and versions, with the progress it reports")
  void eventRoundTrip() {
    Deployment d = DeployRows.deployment(deploymentRow().row());
    Doc reported = DeployJson.doc(new JsonObject().put("phase", "reverting").put("step", 1));
    Event e = Event.of(Event.PROGRESSED, Event.Data.of(d, "web", reported));

    JsonObject json = DeployJson.event(e);
    assertThat(json.fieldNames())
        .containsExactly(
            "specversion",
            "id",
            "source",
            "type",
            "subject",
            "time",
            "datacontenttype",
            "instanceseq",
            "tenantid",
            "data");
    assertThat(json.getString("id")).startsWith("evt_");
    assertThat(json.getString("source")).isEqualTo("/ctrlplane/instances/inst_1");
    assertThat(json.getString("subject")).isEqualTo("dep_1");
    assertThat(Instant.parse(json.getString("time"))).isEqualTo(e.time());
    assertThat(json.getJsonObject("data").encode())
        .isEqualTo(
            "{\"deployment_id\":\"dep_1\",\"instance_id\":\"inst_1\",\"instance_name\":\"web\","
                + "\"kind\":\"rollback\",\"release_id\":\"rel_2\",\"version\":2,"
                + "\"image\":\"registry/app:2\",\"strategy\":\"canary\",\"state\":\"running\","
                + "\"error\":null,\"previous_release\":{\"id\":\"rel_1\",\"version\":1},"
                + "\"progress\":{\"phase\":\"reverting\",\"step\":1},"
                + "\"initiated_by\":{\"key_id\":\"key_1\",\"key_name\":\"ci\"}}");

    // without a reported progress, the event carries the stored one
    assertThat(DeployJson.data(Event.Data.of(d, "web", null)).getJsonObject("progress").encode())
        .isEqualTo(DeployJson.deployment(d).getJsonObject("progress").encode());
  }

  @Test
  @DisplayName("a document keeps key order and nesting, and cannot be changed once made")
  void docIsAnImmutableCopy() {
    JsonObject source =
        new JsonObject("{\"z\":1,\"a\":{\"y\":[1,{\"b\":null}],\"x\":true},\"m\":2.5}");
    Doc doc = DeployJson.doc(source);
    source.getJsonObject("a").put("x", false);

    assertThat(doc.fields().keySet()).containsExactly("z", "a", "m");
    assertThat(DeployJson.json(doc).encode())
        .isEqualTo("{\"z\":1,\"a\":{\"y\":[1,{\"b\":null}],\"x\":true},\"m\":2.5}");
    assertThatThrownBy(() -> doc.fields().put("n", 1))
        .isInstanceOf(UnsupportedOperationException.class);
    @SuppressWarnings("unchecked")
    Map<String, Object> nested = (Map<String, Object>) doc.get("a");
    assertThatThrownBy(() -> ((List<Object>) nested.get("y")).add(2))
        .isInstanceOf(UnsupportedOperationException.class);
    // rendering gives a fresh, mutable object each time
    DeployJson.json(doc).put("n", 1);
    assertThat(doc.fields()).doesNotContainKey("n");
    assertThat(DeployJson.doc(null)).isNull();
    assertThat(DeployJson.json(null)).isNull();
  }
}
