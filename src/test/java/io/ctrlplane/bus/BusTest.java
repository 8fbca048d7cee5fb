package io.ctrlplane.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctrlplane.problem.Refusal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The event-bus contract between verticles: typed requests in, JSON or a problem back. */
class BusTest {
  private static final Logger log = LoggerFactory.getLogger(BusTest.class);
  private static final Caller CALLER =
      new Caller("tenant-a", "key_1", "ci", "req-1", "deployments.create");

  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  @Test
  @DisplayName(
      "a typed request reaches its verticle as the very record sent, and its reply comes back")
  void roundTrip() throws Exception {
    AtomicReference<Command> received = new AtomicReference<>();
    await(
        Bus.serve(
                vertx,
                "test-store.things.create",
                Command.class,
                c -> {
                  received.set(c);
                  return Future.succeededFuture(
                      new JsonObject()
                          .put("tenant", c.caller().tenantId())
                          .put("id", c.id())
                          .put("key", c.idempotency().key())
                          .put("name", c.body().getString("name")));
                },
                log)
            .completion());
    Command sent =
        new Command(
            CALLER,
            "thing_1",
            new IdempotencyKey("tenant-a POST /v1/things", "k-1", "hash"),
            new JsonObject().put("name", "web"));

    JsonObject reply = await(Bus.request(vertx, "test-store.things.create", sent));

    assertThat(reply)
        .isEqualTo(
            new JsonObject()
                .put("tenant", "tenant-a")
                .put("id", "thing_1")
                .put("key", "k-1")
                .put("name", "web"));
    assertThat(received.get()).isSameAs(sent);
  }

  @Test
  @DisplayName("a refusal crosses back as its problem document, with the status as failure code")
  void refusalCrossesBack() throws Exception {
    await(
        Bus.serve(
                vertx,
                "test-store.things.get",
                Get.class,
                g -> Future.failedFuture(Refusal.notFound("thing " + g.id() + " not found")),
                log)
            .completion());

    Throwable failure =
        failureOf(Bus.request(vertx, "test-store.things.get", new Get(CALLER, "x")));

    assertThat(failure).isInstanceOf(ReplyException.class);
    ReplyException reply = (ReplyException) failure;
    assertThat(reply.failureCode()).isEqualTo(404);
    JsonObject problem = new JsonObject(reply.getMessage());
    assertThat(problem.getInteger("status")).isEqualTo(404);
    assertThat(problem.getString("title")).isEqualTo("Not Found");
    assertThat(problem.getString("detail")).isEqualTo("thing x not found");
  }

  @Test
  @DisplayName("a request of the wrong record type is an internal error, not a guess")
  void wrongTypeIsRefused() throws Exception {
    await(
        Bus.serve(
                vertx,
                "test-store.things.list",
                PageQuery.class,
                q -> Future.succeededFuture(new JsonObject()),
                log)
            .completion());

    Throwable failure =
        failureOf(Bus.request(vertx, "test-store.things.list", new Get(CALLER, "x")));

    assertThat(((ReplyException) failure).failureCode()).isEqualTo(500);
  }

  @Test
  @DisplayName("the codec is registered once per Vert.x instance and never encodes for the wire")
  void codecIsLocalOnly() {
    Bus.register(vertx);
    Bus.register(vertx); // a second verticle registering again is harmless

    LocalRecordCodec codec = new LocalRecordCodec();
    Get get = new Get(CALLER, "x");
    assertThat(codec.transform(get)).isSameAs(get);
    assertThatThrownBy(() -> codec.encodeToWire(Buffer.buffer(), get))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  @DisplayName("a request record refuses to be built without a caller, and keeps its own body")
  void recordsFailClosed() {
    assertThatThrownBy(() -> new PageQuery(null, null, 20, null))
        .isInstanceOf(NullPointerException.class);
    JsonObject body = new JsonObject().put("name", "web");
    Command command = Command.of(CALLER, body);
    body.put("name", "changed after sending");
    assertThat(command.body().getString("name")).isEqualTo("web");
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static Throwable failureOf(Future<?> future) throws Exception {
    try {
      await(future);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected the request to fail");
  }
}
