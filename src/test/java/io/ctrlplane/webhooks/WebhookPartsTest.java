package io.ctrlplane.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctrlplane.deploy.ValidationException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.common.TopicPartition;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("Webhook building blocks")
class WebhookPartsTest {

  @Nested
  @DisplayName("the signature")
  class Signatures {
    @Test
    @DisplayName("is sha256= and the hex HMAC-SHA256 of the body (RFC 4231 test case 2)")
    void knownVector() {
      assertThat(
              Signature.sign(
                  "Jefe", "what do ya want for nothing?".getBytes(StandardCharsets.UTF_8)))
          .isEqualTo("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    @Test
    @DisplayName("verifies only the same body with the same secret")
    void verify() {
      byte[] body = "{\"id\":\"evt_1\"}".getBytes(StandardCharsets.UTF_8);
      String header = Signature.sign("secret-one-0123456789", body);
      assertThat(Signature.verify("secret-one-0123456789", body, header)).isTrue();
      assertThat(Signature.verify("secret-two-0123456789", body, header)).isFalse();
      assertThat(
              Signature.verify(
                  "secret-one-0123456789",
                  "{\"id\":\"evt_2\"}".getBytes(StandardCharsets.UTF_8),
                  header))
          .isFalse();
      assertThat(Signature.verify("secret-one-0123456789", body, null)).isFalse();
    }
  }

  @Nested
  @DisplayName("the retry schedule")
  class Backoffs {
    @Test
    @DisplayName("doubles from the initial delay, with at most 10 % jitter, up to the cap")
    void exponential() {
      Backoff backoff = new Backoff(1000, 30_000);
      assertThat(backoff.delayAfter(1)).isBetween(1000L, 1100L);
      assertThat(backoff.delayAfter(2)).isBetween(2000L, 2200L);
      assertThat(backoff.delayAfter(4)).isBetween(8000L, 8800L);
      assertThat(backoff.delayAfter(6)).isBetween(30_000L, 33_000L);
      assertThat(backoff.delayAfter(60)).isBetween(30_000L, 33_000L);
    }
  }

  @Nested
  @DisplayName("the subscription request")
  class Requests {
    @Test
    @DisplayName("defaults to every event type and generates a secret")
    void defaults() {
      JsonObject ok =
          WebhookRequest.validate(
              new JsonObject().put("url", " https://hooks.example.com/x?team=a%20b "));
      assertThat(ok.getString("url")).isEqualTo("https://hooks.example.com/x?team=a%20b");
      assertThat(ok.getJsonArray("event_types"))
          .hasSize(11); // every type, deploy.analysis (issue 15) and the approval events (issue 18)
      // included
      assertThat(ok.getBoolean("secret_generated")).isTrue();
      assertThat(ok.getString("secret")).startsWith("whsec_");
    }

    @Test
    @DisplayName("keeps a given secret and de-duplicates event types")
    void given() {
      JsonObject ok =
          WebhookRequest.validate(
              new JsonObject()
                  .put("url", "HTTP://localhost:9000/hook")
                  .put(
                      "event_types",
                      new JsonArray()
                          .add("deploy.failed")
                          .add("deploy.failed")
                          .add("deploy.rolled_back"))
                  .put("secret", "0123456789abcdef"));
      assertThat(ok.getJsonArray("event_types"))
          .containsExactly("deploy.failed", "deploy.rolled_back");
      assertThat(ok.getString("secret")).isEqualTo("0123456789abcdef");
      assertThat(ok.getString("url")).isEqualTo("http://localhost:9000/hook");
      assertThat(ok.getBoolean("secret_generated")).isFalse();
    }

    @Test
    @DisplayName("reports every problem at once, without echoing the secret")
    void everyProblem() {
      JsonObject bad =
          new JsonObject()
              .put("url", "gopher://example.com")
              .put("event_types", new JsonArray())
              .put("secret", "short-secret")
              .put("colour", "red");
      assertThatThrownBy(() -> WebhookRequest.validate(bad))
          .isInstanceOfSatisfying(
              ValidationException.class,
              e -> {
                assertThat(e.errors())
                    .extracting(f -> f.field())
                    .containsExactlyInAnyOrder("colour", "url", "event_types", "secret");
                assertThat(e.getMessage()).doesNotContain("short-secret");
              });
    }

    @Test
    @DisplayName("refuses URLs without a host, with credentials or a fragment")
    void urls() {
      for (String url :
          List.of(
              "http://",
              "https:///path",
              "https://u:p@example.com/",
              "https://example.com/#x",
              "example.com/hook",
              "ws://example.com/",
              "not a url")) {
        assertThatThrownBy(() -> WebhookRequest.validate(new JsonObject().put("url", url)))
            .as(url)
            .isInstanceOf(ValidationException.class);
      }
    }
  }

  @Nested
  @DisplayName("the offset tracker")
  class Offsets {
    private final TopicPartition p0 = new TopicPartition("t", 0);

    @Test
    @DisplayName("commits up to, not past, the lowest record still in flight")
    void lowWatermark() {
      OffsetTracker tracker = new OffsetTracker();
      OffsetTracker.Partition a = tracker.started(p0, 10);
      tracker.started(p0, 11);
      tracker.started(p0, 12);
      assertThat(tracker.committable()).isEqualTo(Map.of(p0, 10L));
      tracker.finished(a, 12);
      tracker.finished(a, 11);
      assertThat(tracker.committable()).as("10 still in flight").isEqualTo(Map.of(p0, 10L));
      tracker.committed(p0, 10);
      assertThat(tracker.committable()).isEmpty();
      tracker.finished(a, 10);
      assertThat(tracker.committable()).isEqualTo(Map.of(p0, 13L));
      assertThat(tracker.inFlight()).isZero();
    }

    @Test
    @DisplayName("forgets a revoked partition, also for records that finish afterwards")
    void revoked() {
      OffsetTracker tracker = new OffsetTracker();
      OffsetTracker.Partition old = tracker.started(p0, 5);
      tracker.revoked(List.of(p0));
      assertThat(tracker.inFlight()).isZero();
      OffsetTracker.Partition fresh =
          tracker.started(p0, 5); // read again after the partition came back
      tracker.finished(old, 5);
      assertThat(tracker.committable())
          .as("the old assignment finishing does not release the new one")
          .isEqualTo(Map.of(p0, 5L));
      tracker.finished(fresh, 5);
      assertThat(tracker.committable()).isEqualTo(Map.of(p0, 6L));
    }
  }
}
