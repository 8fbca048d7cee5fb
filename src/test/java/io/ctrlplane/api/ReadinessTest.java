package io.ctrlplane.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.app.Server;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.dev.EmbeddedKafka;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlane;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.TcpGate;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code /health/ready} tells a load balancer the truth: 503 while PostgreSQL or Kafka cannot be
 * reached, 200 again once they are back. PostgreSQL is cut off behind a {@link TcpGate} (the shared
 * database keeps running); Kafka is a broker of this test's own, stopped and restarted on its port.
 */
// no roles: the test starts a server of its own, in front of a gate and a broker it can stop
@CtrlPlaneServer(roles = "")
@DisplayName("GET /health/ready")
class ReadinessTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  @DisplayName(
      "answers 503 naming PostgreSQL while it is unreachable, 503 naming Kafka while the broker "
          + "is down, and 200 again after each comes back")
  void followsItsDependencies(CtrlPlane plane) throws Exception {
    Vertx vertx = plane.vertx();
    Path dir = Path.of("target", "readiness-" + System.nanoTime());
    EmbeddedKafka kafka = EmbeddedKafka.start(dir, 0);
    int kafkaPort = kafka.port();
    JsonObject json = plane.json();
    URI pg = URI.create(json.getJsonObject("postgres").getString("url"));
    TcpGate gate = TcpGate.start(vertx, pg.getHost(), pg.getPort());
    json.getJsonObject("postgres")
        .put("url", "postgresql://127.0.0.1:" + gate.port() + pg.getPath());
    json.getJsonObject("kafka").put("bootstrap_servers", kafka.bootstrapServers());
    AppConfig config = AppConfig.from(json);
    Server server = plane.startServer(config);
    try (ApiClient owner = new ApiClient(vertx, config.http().port())) {
      ApiClient api = owner.as(ApiClient.NO_KEY);
      awaitReady(api, 200, "UP", "UP");

      gate.shut();
      JsonObject down = awaitReady(api, 503, "DOWN", "UP");
      assertThat(down.getString("status")).isEqualTo("DOWN");
      gate.open();
      awaitReady(api, 200, "UP", "UP");

      kafka.close();
      awaitReady(api, 503, "UP", "DOWN");
      kafka = EmbeddedKafka.start(dir, kafkaPort);
      awaitReady(api, 200, "UP", "UP");
    } finally {
      server.stopBlocking();
      gate.close();
      kafka.close();
    }
  }

  /** Polls until /health/ready answers {@code status} with these checks; returns its body. */
  private static JsonObject awaitReady(ApiClient api, int status, String postgres, String kafka) {
    return Await.until(
        WAIT,
        "/health/ready " + status + " (postgres " + postgres + ", kafka " + kafka + ")",
        () -> {
          ApiClient.Response r = api.get("/health/ready");
          JsonObject checks = r.json() == null ? null : r.json().getJsonObject("checks");
          return r.status() == status
                  && checks != null
                  && postgres.equals(checks.getJsonObject("postgres").getString("status"))
                  && kafka.equals(checks.getJsonObject("kafka").getString("status"))
              ? r.json()
              : null;
        });
  }
}
