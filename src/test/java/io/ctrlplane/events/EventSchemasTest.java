package io.ctrlplane.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.deploy.Ids;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The event JSON Schemas")
class EventSchemasTest {
  private static EventSchemas schemas;

  @BeforeAll
  static void load() {
    schemas = EventSchemas.load();
  }

  static JsonObject data(String state, String error) {
    return new JsonObject()
        .put("deployment_id", Ids.next("dep"))
        .put("instance_id", Ids.next("inst"))
        .put("instance_name", "checkout")
        .put("kind", "deploy")
        .put("release_id", Ids.next("rel"))
        .put("version", 2)
        .put("image", "registry.example.com/acme/checkout:1.4.2")
        .put("strategy", "rolling")
        .put("state", state)
        .put("error", error)
        .put("previous_release", new JsonObject().put("id", Ids.next("rel")).put("version", 1))
        .put("progress", new JsonObject())
        .put("initiated_by", new JsonObject().put("key_id", Ids.next("key")).put("key_name", "ci"));
  }

  static JsonObject event(String type, JsonObject data) {
    return DeployEvent.cloudEvent(
        type, "default", data.getString("instance_id"), 3, data.getString("deployment_id"), data);
  }

  @Test
  @DisplayName("accept an event as the outbox writes it, for every type")
  void acceptEveryType() {
    assertThat(
            schemas.errors(event(DeployEvent.QUEUED, data("pending", null)).put("instanceseq", 1)))
        .isEmpty();
    assertThat(schemas.errors(event(DeployEvent.STARTED, data("running", null)))).isEmpty();
    assertThat(
            schemas.errors(
                event(
                    DeployEvent.PROGRESSED,
                    data("running", null)
                        .put(
                            "progress",
                            new JsonObject()
                                .put("phase", "canary")
                                .put("step", 2)
                                .put("total_steps", 5)
                                .put("traffic", new JsonObject().put("v2", 10))))))
        .isEmpty();
    assertThat(
            schemas.errors(
                event(
                    DeployEvent.SUCCEEDED, data("succeeded", null).put("previous_release", null))))
        .isEmpty();
    assertThat(
            schemas.errors(
                event(DeployEvent.FAILED, data("failed", "replicas did not become ready"))))
        .isEmpty();
    assertThat(
            schemas.errors(
                event(DeployEvent.CANCELLED, data("cancelled", "cancelled while running"))))
        .isEmpty();
    assertThat(
            schemas.errors(
                event(DeployEvent.ROLLED_BACK, data("rolled_back", null).put("kind", "deploy"))))
        .isEmpty();
  }

  @Test
  @DisplayName(
      "refuse any field they do not list, so an env map cannot slip into data or the envelope")
  void closed() {
    JsonObject withEnv =
        event(
            DeployEvent.STARTED,
            data("running", null).put("env", new JsonObject().put("DB_PASSWORD", "hunter2")));
    assertThat(schemas.errors(withEnv)).anySatisfy(e -> assertThat(e).contains("/data"));
    JsonObject extraAttribute = event(DeployEvent.STARTED, data("running", null)).put("env", "x");
    assertThat(schemas.errors(extraAttribute)).isNotEmpty();
  }

  @Test
  @DisplayName("accept a deploy.analysis event with its measurement, and refuse one without")
  void analysisEvent() {
    JsonObject measurement =
        new JsonObject()
            .put("step", 2)
            .put("metric", "errors")
            .put("seq", 0)
            .put("taken_at", "2026-12-08T01:00:00.123Z")
            .put("window_seconds", 5)
            .put("measure", "error_rate")
            .put("condition", "error_rate <= 0.05")
            .put("value", null)
            .put("stable_value", null)
            .put("limit", null)
            .put("verdict", "inconclusive")
            .put("sample_size", 0)
            .put("message", "new release served 0 requests, fewer than min_requests 1");
    JsonObject progress = new JsonObject().put("phase", "rolling_out").put("step", 2);
    assertThat(
            schemas.errors(
                event(
                    DeployEvent.ANALYSIS,
                    data("running", null)
                        .put("progress", progress.copy().put("analysis", measurement)))))
        .isEmpty();
    assertThat(
            schemas.errors(
                event(DeployEvent.ANALYSIS, data("running", null).put("progress", progress))))
        .isNotEmpty();
    assertThat(
            schemas.errors(
                event(
                    DeployEvent.ANALYSIS,
                    data("running", null)
                        .put(
                            "progress",
                            progress
                                .copy()
                                .put("analysis", measurement.copy().put("verdict", "passed"))))))
        .isNotEmpty();
  }

  @Test
  @DisplayName("tie the state and the error to the type")
  void typeSpecific() {
    assertThat(schemas.errors(event(DeployEvent.SUCCEEDED, data("running", null)))).isNotEmpty();
    assertThat(schemas.errors(event(DeployEvent.FAILED, data("failed", null)))).isNotEmpty();
    assertThat(schemas.errors(event(DeployEvent.QUEUED, data("pending", "boom")))).isNotEmpty();
  }

  @Test
  @DisplayName("check the envelope: ids, sequence, content type and unknown types")
  void envelope() {
    assertThat(
            schemas.errors(event(DeployEvent.STARTED, data("running", null)).put("instanceseq", 0)))
        .isNotEmpty();
    assertThat(schemas.errors(event(DeployEvent.STARTED, data("running", null)).put("id", "42")))
        .isNotEmpty();
    assertThat(
            schemas.errors(
                event(DeployEvent.STARTED, data("running", null)).put("specversion", "0.3")))
        .isNotEmpty();
    assertThat(
            schemas.errors(
                event(DeployEvent.STARTED, data("running", null)).put("time", "yesterday")))
        .isNotEmpty();
    JsonObject noTime = event(DeployEvent.STARTED, data("running", null));
    noTime.remove("time");
    assertThat(schemas.errors(noTime)).isNotEmpty();
    assertThat(schemas.errors(event("deploy.exploded", data("running", null))))
        .singleElement()
        .asString()
        .contains("not one of");
  }

  @Test
  @DisplayName(
      "exist as one file per type, each naming its own type and referring to the common envelope")
  void onePerType() {
    for (String type : DeployEvent.TYPES) {
      JsonObject schema = EventSchemas.read(type + ".json");
      assertThat(schema.getString("$schema"))
          .isEqualTo("https://json-schema.org/draft/2020-12/schema");
      assertThat(schema.getString("title")).isEqualTo(type);
      assertThat(schema.getJsonObject("properties").getJsonObject("type").getString("const"))
          .isEqualTo(type);
    }
  }
}
