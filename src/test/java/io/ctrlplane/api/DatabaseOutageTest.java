package io.ctrlplane.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.app.Server;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlane;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.TcpGate;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * While PostgreSQL cannot be reached the API says so at once, as a problem a client can act on (503
 * with Retry-After), and it serves again by itself once the database is back. PostgreSQL is cut off
 * behind a {@link TcpGate}; the shared database keeps running.
 */
// no roles: the test starts a server of its own in front of a gate it can shut
@CtrlPlaneServer(roles = "")
@DisplayName("The API while PostgreSQL is unreachable")
class DatabaseOutageTest {
  /** Well under a client's usual timeout: the answer must not wait for the database to return. */
  private static final Duration PROMPT = Duration.ofSeconds(10);

  @Test
  @DisplayName(
      "answers reads and writes with 503 problem+json and Retry-After within seconds, and serves"
          + " again by itself when the database is back")
  void unavailableThenRecovers(CtrlPlane plane) throws Exception {
    JsonObject json = plane.json();
    URI pg = URI.create(json.getJsonObject("postgres").getString("url"));
    TcpGate gate = TcpGate.start(plane.vertx(), pg.getHost(), pg.getPort());
    json.getJsonObject("postgres")
        .put("url", "postgresql://127.0.0.1:" + gate.port() + pg.getPath());
    AppConfig config = AppConfig.from(json.put("roles", "api"));
    Server server = plane.startServer(config);
    try (ApiClient api = new ApiClient(plane.vertx(), config.http().port())) {
      ApiClient.Response created =
          api.post("/v1/instances", new JsonObject().put("name", "outage").put("replicas", 1));
      assertThat(created.status()).as(created.text()).isEqualTo(201);
      String id = created.json().getString("id");
      String deployments = "/v1/instances/" + id + "/deployments";

      gate.shut();
      for (int i = 0; i < 3; i++) {
        JsonObject body = new JsonObject().put("image", "acme/app:" + i);
        assertUnavailable(timed(() -> api.get("/v1/instances/" + id)));
        assertUnavailable(timed(() -> api.post(deployments, body)));
      }
      assertThat(api.get("/health/live").status()).as("alive, only not ready").isEqualTo(200);

      gate.open();
      Await.until(
          Duration.ofSeconds(30),
          "the API serving again",
          () -> api.get("/v1/instances/" + id).status() == 200 ? true : null);
      ApiClient.Response deployed =
          api.post(deployments, new JsonObject().put("image", "acme/app:9"));
      assertThat(deployed.status()).as(deployed.text()).isEqualTo(202);
    } finally {
      server.stopBlocking();
      gate.close();
    }
  }

  private static ApiClient.Response timed(Supplier<ApiClient.Response> call) {
    long start = System.nanoTime();
    ApiClient.Response r = call.get();
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    System.out.printf("%d in %d ms%n", r.status(), took.toMillis());
    assertThat(took).as("time to answer while the database is out").isLessThan(PROMPT);
    return r;
  }

  private static void assertUnavailable(ApiClient.Response r) {
    assertThat(r.status()).as(r.text()).isEqualTo(503);
    assertThat(r.contentType()).isEqualTo("application/problem+json");
    assertThat(r.header("Retry-After")).isEqualTo(String.valueOf(Errors.RETRY_AFTER_SECONDS));
    assertThat(r.json().getString("detail")).contains("database cannot be reached");
  }
}
