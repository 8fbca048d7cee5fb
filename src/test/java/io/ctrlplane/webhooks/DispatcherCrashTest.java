package io.ctrlplane.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.ChildProcess;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Deploys;
import io.ctrlplane.testing.WebhookReceiver;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
// special setup: the webhook dispatcher is a child process the test kills
@CtrlPlaneServer
@DisplayName("A webhook dispatcher process killed with SIGKILL while a delivery is in flight")
class DispatcherCrashTest {
  private static final String SECRET = "crash-test-secret-0123456789";

  @Test
  @DisplayName("re-delivers the event after a restart, because its offset was never committed")
  void redeliversAfterCrash(Vertx vertx, AppConfig config, ApiClient api) {
    Map<String, String> dispatcherEnv =
        Map.of(
            "CTRLPLANE_WEBHOOKS_GROUP_ID", "webhooks-crash-" + System.nanoTime(),
            "CTRLPLANE_WEBHOOKS_SESSION_TIMEOUT_MS",
                "6000", // the broker's minimum: the dead member leaves soon
            "CTRLPLANE_WEBHOOKS_REQUEST_TIMEOUT_MS", "60000");
    WebhookReceiver receiver = WebhookReceiver.start(vertx);
    try {
      receiver.script(
          "/hook",
          n -> n == 1 ? null : 200); // the first delivery hangs: the dispatcher is mid-request
      ApiClient.Response created =
          api.post(
              "/v1/webhooks",
              new JsonObject()
                  .put("url", receiver.url("/hook"))
                  .put("event_types", new JsonArray().add("deploy.queued"))
                  .put("secret", SECRET));
      assertThat(created.status()).isEqualTo(201);
      String webhookId = created.json().getString("id");

      String deployment;
      try (ChildProcess first =
          ChildProcess.serve("dispatcher-crash-1", "webhooks", config, dispatcherEnv)) {
        first.awaitOutput("Ctrl Plane is up", Duration.ofSeconds(60));
        Deploys deploys = new Deploys(api);
        deployment =
            deploys.deploy(
                deploys.instance("crash-hook", 0), "registry.example.com/acme/app:1", null);
        Await.until(
            Duration.ofSeconds(30),
            "the first delivery to reach the receiver",
            () -> receiver.requests("/hook").isEmpty() ? null : true);
        first.kill();
      }
      JsonObject pending = deliveries(api, webhookId).get(0);
      assertThat(pending.getString("status"))
          .as("the outcome was never recorded")
          .isEqualTo("pending");
      assertThat(pending.getInteger("attempts")).isZero();

      long restarted = System.nanoTime();
      try (ChildProcess second =
          ChildProcess.serve("dispatcher-crash-2", "webhooks", config, dispatcherEnv)) {
        JsonObject delivered =
            Await.until(
                Duration.ofSeconds(60),
                "the delivery after the restart",
                () -> {
                  JsonObject d = deliveries(api, webhookId).get(0);
                  return d.getString("status").equals("succeeded") ? d : null;
                });
        System.out.printf(
            "re-delivered %d ms after the second dispatcher started%n",
            Duration.ofNanos(System.nanoTime() - restarted).toMillis());
        List<WebhookReceiver.Request> requests = receiver.requests("/hook");
        assertThat(requests).hasSize(2);
        String eventId = new JsonObject(requests.get(0).text()).getString("id");
        assertThat(requests)
            .allSatisfy(
                r -> {
                  assertThat(r.headers().get("Ctrlplane-Event-Id")).isEqualTo(eventId);
                  assertThat(r.text()).contains(deployment);
                  assertThat(r.signedWith(SECRET)).isTrue();
                });
        assertThat(delivered.getString("event_id")).isEqualTo(eventId);
        assertThat(delivered.getInteger("attempts")).isEqualTo(1);
        assertThat(delivered.getInteger("last_status_code")).isEqualTo(200);
      }
    } finally {
      receiver.close();
    }
  }

  private static List<JsonObject> deliveries(ApiClient api, String webhookId) {
    JsonArray items =
        api.get("/v1/webhooks/" + webhookId + "/deliveries").json().getJsonArray("items");
    assertThat(items).hasSize(1);
    return items.stream().map(JsonObject.class::cast).toList();
  }
}
