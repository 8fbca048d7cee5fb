package io.ctrlplane.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A line of `ctrlplane events`")
class EventLineTest {
  private static JsonObject event(String type, String state, String error) {
    JsonObject data =
        EventSchemasTest.data(state, error).put("version", 3).put("instance_name", "checkout");
    return EventSchemasTest.event(type, data).put("time", "2026-11-27T05:13:08.553219Z");
  }

  @Test
  @DisplayName("shows time, instance, version, type and state in columns")
  void columns() {
    assertThat(EventLine.format(event("deploy.succeeded", "succeeded", null).encode()))
        .isEqualTo(
            "2026-11-27T05:13:08.553Z  checkout              v3     deploy.succeeded    succeeded");
  }

  @Test
  @DisplayName("adds the error on one line")
  void error() {
    assertThat(
            EventLine.format(
                event("deploy.failed", "failed", "replicas of x\nfailed to start").encode()))
        .endsWith("deploy.failed       failed       error: replicas of x failed to start");
  }

  @Test
  @DisplayName("adds the progress message of a progress event")
  void progress() {
    JsonObject e = event("deploy.progressed", "running", null);
    e.getJsonObject("data").put("progress", new JsonObject().put("message", "canary at 10 %"));
    assertThat(EventLine.format(e.encode())).endsWith("running      canary at 10 %");
  }

  @Test
  @DisplayName("matches an instance by id or by name, and skips what is not an event")
  void filterAndJunk() {
    JsonObject e = event("deploy.queued", "pending", null);
    String id = e.getJsonObject("data").getString("instance_id");
    assertThat(EventLine.isAbout(e.encode(), "checkout")).isTrue();
    assertThat(EventLine.isAbout(e.encode(), id)).isTrue();
    assertThat(EventLine.isAbout(e.encode(), "cart")).isFalse();
    assertThat(EventLine.format("not json")).isNull();
    assertThat(EventLine.format("{\"hello\":1}")).isNull();
  }
}
