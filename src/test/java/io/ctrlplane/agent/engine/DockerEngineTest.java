package io.ctrlplane.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.ContainerEngine;
import io.ctrlplane.testing.TestStack;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(ContainerEngine.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName(
    "The agent's Docker Engine API client reaches the engine over a unix socket and over TCP")
class DockerEngineTest {
  private Vertx vertx;

  @BeforeAll
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  void stop() {
    Await.result(vertx.close());
  }

  @Test
  @DisplayName("over the unix socket (Vert.x NIO transport, no native library): version and images")
  void unixSocket() {
    DockerEngine engine = new DockerEngine(vertx, ContainerEngine.dockerHost());
    try {
      assertThat(Await.result(engine.version())).contains("(API 1.");
      assertThat(Await.result(engine.image(ContainerEngine.V1)).getString("Id"))
          .startsWith("sha256:");
      assertThat(Await.result(engine.image("localhost/ctrlplane-test-none:v0"))).isNull();
    } finally {
      Await.result(engine.close());
    }
  }

  @Test
  @DisplayName("over tcp:// on loopback, a second podman service started for the test")
  void tcp() throws Exception {
    if (!"podman".equals(ContainerEngine.cli())) {
      return; // the TCP service below is Podman's
    }
    int port = TestStack.freePort();
    Process service =
        new ProcessBuilder(
                List.of("podman", "system", "service", "--time=0", "tcp://127.0.0.1:" + port))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    DockerEngine engine = new DockerEngine(vertx, "tcp://127.0.0.1:" + port);
    try {
      String version =
          Await.until(
              Duration.ofSeconds(20),
              "podman service on tcp port " + port,
              () -> {
                try {
                  return Await.result(engine.version());
                } catch (RuntimeException e) {
                  return null;
                }
              });
      assertThat(version).contains("(API 1.");
    } finally {
      Await.result(engine.close());
      service.destroy();
      service.waitFor();
    }
  }

  @Test
  @DisplayName("an unreachable engine is one clear failure naming its address")
  void unreachable() {
    String address = "tcp://127.0.0.1:" + TestStack.freePort();
    DockerEngine engine = new DockerEngine(vertx, address);
    try {
      assertThat(engine.version().toCompletionStage().toCompletableFuture())
          .failsWithin(Duration.ofSeconds(10))
          .withThrowableThat()
          .withMessageContaining("container engine at " + address + " unreachable");
    } finally {
      Await.result(engine.close());
    }
  }

  @Test
  @DisplayName(
      "multiplexed log frames (stdout and stderr) read as one text; plain text stays as is")
  void logFrames() {
    Buffer framed = Buffer.buffer();
    frame(framed, 1, "out line\n");
    frame(framed, 2, "err line\n");
    assertThat(LogFrames.text(framed)).isEqualTo("out line\nerr line\n");
    assertThat(LogFrames.text(Buffer.buffer("plain text, no frames\n")))
        .isEqualTo("plain text, no frames\n");
  }

  private static void frame(Buffer b, int stream, String text) {
    byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    b.appendByte((byte) stream).appendBytes(new byte[3]).appendInt(bytes.length).appendBytes(bytes);
  }
}
