package io.ctrlplane.watch;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.cli.SseParser;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.security.Scope;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Keys;
import io.ctrlplane.testing.Rollouts;
import io.ctrlplane.testing.StepBoundaries;
import io.ctrlplane.testing.WatchStream;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer(config = "http.watch_keepalive_ms=300")
@DisplayName("Watch streams (SSE) show a deployment or an instance as it changes")
class WatchTest {
  private static final Duration END = Duration.ofSeconds(30);
  private static final Pattern OPEN_GAUGE =
      Pattern.compile("(?m)^ctrlplane_watch_open(?:\\{[^}]*\\})? ([0-9.]+)$");
  private AppConfig config;
  private ApiClient api;
  private Rollouts rollouts;

  @BeforeAll
  void start(AppConfig config, ApiClient api) {
    this.config = config;
    this.api = api;
    rollouts = new Rollouts(api);
  }

  @AfterEach
  void noWatchLeaks() {
    Await.until(
        Duration.ofSeconds(10), "every watch released", () -> openWatches() == 0 ? true : null);
  }

  private WatchStream watch(String path) {
    return WatchStream.open(config.http().port(), path);
  }

  private double openWatches() {
    Matcher m = OPEN_GAUGE.matcher(api.get("/metrics").text());
    assertThat(m.find()).as("ctrlplane_watch_open on /metrics").isTrue();
    return Double.parseDouble(m.group(1));
  }

  private static JsonObject data(SseParser.Event e) {
    return new JsonObject(e.data());
  }

  private String liveInstance() {
    String instanceId = rollouts.instance(2);
    rollouts.awaitState(
        rollouts.deploy(instanceId, "acme/app:1", "rolling", null), "succeeded", END);
    return instanceId;
  }

  @Test
  @DisplayName(
      "a canary: the current state first, each step as it happens, the pause, then after promote the end state, and the stream closes")
  void canaryUntilTheEnd() {
    String instanceId = liveInstance();
    JsonArray steps =
        new JsonArray()
            .add(new JsonObject().put("set_weight", 50))
            .add(new JsonObject().put("pause", new JsonObject()))
            .add(new JsonObject().put("set_weight", 100));
    // open before the deploy: it sees the deployment from its first step on
    WatchStream instanceStream = watch("/v1/instances/" + instanceId + "/watch");
    instanceStream.await(END, "the instance", e -> e.type().equals("instance"));
    String id =
        rollouts.deploy(instanceId, "acme/app:2", "canary", new JsonObject().put("steps", steps));
    try (instanceStream;
        WatchStream stream = watch("/v1/deployments/" + id + "/watch")) {
      assertThat(stream.status()).isEqualTo(200);
      assertThat(stream.contentType()).startsWith("text/event-stream");
      SseParser.Event first = stream.await(END, "the first event", e -> true);
      assertThat(first.type()).isEqualTo("deployment");
      assertThat(data(first).getString("id")).isEqualTo(id);
      assertThat(data(first).getString("state")).isIn("pending", "running");

      SseParser.Event paused =
          stream.await(
              END,
              "the canary at its pause",
              e -> {
                JsonObject progress = data(e).getJsonObject("progress");
                return progress != null && "pause".equals(progress.getString("blocked_on"));
              });
      assertThat(data(paused).getJsonObject("progress").getJsonObject("traffic").getInteger("new"))
          .isEqualTo(50);
      assertThat(stream.ended()).as("a paused deployment's stream stays open").isFalse();
      assertThat(api.post("/v1/deployments/" + id + "/promote", new JsonObject()).status())
          .isEqualTo(202);

      stream.awaitEnd(END);
      List<SseParser.Event> events = stream.events();
      SseParser.Event last = events.get(events.size() - 1);
      assertThat(data(last).getString("state")).isEqualTo("succeeded");
      assertThat(last.data())
          .as("the last event is what GET shows")
          .isEqualTo(api.get("/v1/deployments/" + id).text());
      assertThat(events).allSatisfy(e -> assertThat(e.type()).isEqualTo("deployment"));
      assertThat(events.stream().map(e -> Long.parseLong(e.id())).toList())
          .as("ids increase")
          .isSorted()
          .doesNotHaveDuplicates();
      assertThat(events.stream().map(SseParser.Event::data).toList())
          .as("only changes are sent")
          .doesNotHaveDuplicates();
      instanceStream.await(
          END,
          "the success on the instance watch",
          e -> e.type().equals("deployment") && "succeeded".equals(data(e).getString("state")));
      List<JsonObject> watched =
          instanceStream.events().stream()
              .filter(e -> e.type().equals("deployment") && data(e).getString("id").equals(id))
              .map(WatchTest::data)
              .toList();
      JsonArray plan = api.get("/v1/deployments/" + id).json().getJsonArray("plan");
      assertThat(plan).as("the canary's plan").hasSizeGreaterThanOrEqualTo(steps.size());
      assertThat(StepBoundaries.waiting(plan)).as("the pause is a waiting step").isNotEmpty();
      StepBoundaries.assertAgainstPlan(plan, StepBoundaries.history(api, id), watched);
    }
  }

  @Test
  @DisplayName("a finished deployment: one event with its JSON, then the stream closes")
  void finishedDeployment() {
    String instanceId = rollouts.instance(1);
    String id = rollouts.deploy(instanceId, "acme/app:1", "rolling", null);
    rollouts.awaitState(id, "succeeded", END);
    try (WatchStream stream = watch("/v1/deployments/" + id + "/watch")) {
      stream.awaitEnd(END);
      assertThat(stream.events()).hasSize(1);
      assertThat(stream.events().get(0).type()).isEqualTo("deployment");
      assertThat(stream.events().get(0).id()).isEqualTo("1");
      assertThat(stream.events().get(0).data()).isEqualTo(api.get("/v1/deployments/" + id).text());
    }
  }

  @Test
  @DisplayName(
      "an instance: itself first, then its deployments as they change and itself when its release changes; keep-alive comments meanwhile")
  void instanceWatch() {
    String instanceId = liveInstance();
    try (WatchStream stream = watch("/v1/instances/" + instanceId + "/watch")) {
      SseParser.Event first = stream.await(END, "the first event", e -> true);
      assertThat(first.type()).isEqualTo("instance");
      assertThat(first.data()).isEqualTo(api.get("/v1/instances/" + instanceId).text());
      Await.until(
          END,
          "a keep-alive comment",
          () -> stream.comments().contains("keep-alive") ? true : null);
      assertThat(stream.events())
          .as("nothing in flight, nothing changed: only the instance")
          .hasSize(1);

      String id = rollouts.deploy(instanceId, "acme/app:2", "rolling", null);
      stream.await(
          END,
          "the new deployment",
          e -> e.type().equals("deployment") && data(e).getString("id").equals(id));
      stream.await(
          END,
          "its success",
          e ->
              e.type().equals("deployment")
                  && data(e).getString("id").equals(id)
                  && data(e).getString("state").equals("succeeded"));
      SseParser.Event changed =
          stream.await(
              END,
              "the instance on v2",
              e ->
                  e.type().equals("instance")
                      && data(e).getJsonObject("current_release") != null
                      && data(e).getJsonObject("current_release").getInteger("version") == 2);
      assertThat(changed.data()).isEqualTo(api.get("/v1/instances/" + instanceId).text());
      assertThat(openWatches()).isEqualTo(1.0);
      assertThat(stream.ended()).as("an instance watch never ends by itself").isFalse();
    }
    // the disconnect releases it (checked after each test)
  }

  @Test
  @DisplayName("an instance with a deployment in flight: the instance, then that deployment")
  void instanceWithDeploymentInFlight() {
    String instanceId = liveInstance();
    JsonArray steps =
        new JsonArray()
            .add(new JsonObject().put("set_weight", 50))
            .add(new JsonObject().put("pause", new JsonObject()));
    String id =
        rollouts.deploy(instanceId, "acme/app:2", "canary", new JsonObject().put("steps", steps));
    try (WatchStream stream = watch("/v1/instances/" + instanceId + "/watch")) {
      stream.await(END, "two events", e -> stream.events().size() >= 2);
      assertThat(stream.events().get(0).type()).isEqualTo("instance");
      assertThat(stream.events().get(1).type()).isEqualTo("deployment");
      assertThat(data(stream.events().get(1)).getString("id")).isEqualTo(id);
      assertThat(api.post("/v1/deployments/" + id + "/cancel", new JsonObject()).status())
          .isEqualTo(202);
      stream.await(
          END,
          "the cancel",
          e -> e.type().equals("deployment") && "cancelled".equals(data(e).getString("state")));
    }
  }

  @Test
  @DisplayName(
      "revoking the key that opened a watch ends its stream (within a keep-alive); the reconnect is refused")
  void revokedKeyEndsTheStream() {
    String instanceId = rollouts.instance(1);
    JsonObject reader = Keys.viaApi(api, "watcher", Scope.READ);
    String path = "/v1/instances/" + instanceId + "/watch";
    try (WatchStream stream =
        WatchStream.open(config.http().port(), path, reader.getString("key"))) {
      stream.await(END, "the first event", e -> true);
      Await.until(
          END,
          "a keep-alive comment",
          () -> stream.comments().contains("keep-alive") ? true : null);
      assertThat(stream.ended()).as("open while the key is valid").isFalse();

      assertThat(api.delete("/v1/api-keys/" + reader.getString("id")).status()).isEqualTo(204);
      stream.awaitEnd(END);
      assertThat(stream.comments()).contains("api key revoked");
    }
    try (WatchStream again =
        WatchStream.open(config.http().port(), path, reader.getString("key"))) {
      assertThat(again.status()).isEqualTo(401);
    }
  }

  @Test
  @DisplayName("an unknown id is a 404 problem, a missing key a 401, before any stream starts")
  void refusals() {
    for (String path : List.of("/v1/deployments/dep_nope/watch", "/v1/instances/inst_nope/watch")) {
      try (WatchStream stream = watch(path)) {
        assertThat(stream.status()).as(path).isEqualTo(404);
        assertThat(stream.contentType()).isEqualTo("application/problem+json");
        assertThat(stream.problem().getString("detail")).contains("does not exist");
      }
      try (WatchStream stream = WatchStream.open(config.http().port(), path, ApiClient.NO_KEY)) {
        assertThat(stream.status()).as(path).isEqualTo(401);
        assertThat(stream.contentType()).isEqualTo("application/problem+json");
      }
    }
  }
}
