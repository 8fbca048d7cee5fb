package io.ctrlplane.bus;

import io.ctrlplane.problem.ProblemReplies;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Function;
import org.slf4j.Logger;

/**
 * Typed request/reply between verticles: a sender {@link #request}s with a request record ({@link
 * Command}, {@link Get}, {@link PageQuery}, {@link LogTail}), an answering verticle {@link #serve}s
 * an address with a handler of that record type. The reply is the JSON body the API will send
 * (rendered once, by the store); a failure travels back as its problem document with the status as
 * failure code ({@link ProblemReplies}). Every address is listed in docs/event-bus.md.
 */
public final class Bus {
  /** How long a sender waits for a store: longer than any single transaction should take. */
  static final long TIMEOUT_MS = 15_000;

  private static final Map<Vertx, Boolean> REGISTERED = new WeakHashMap<>();

  private Bus() {}

  /**
   * Sends {@code request} to {@code address}; completes with the reply or fails with its problem.
   */
  public static Future<JsonObject> request(Vertx vertx, String address, Record request) {
    register(vertx);
    DeliveryOptions options =
        new DeliveryOptions().setSendTimeout(TIMEOUT_MS).setCodecName(LocalRecordCodec.NAME);
    return vertx.eventBus().<JsonObject>request(address, request, options).map(Message::body);
  }

  /**
   * Answers {@code address} with {@code handler}: its result is the reply, its failure (or a
   * request of another type than {@code type}) the problem the sender gets back.
   */
  public static <R extends Record> MessageConsumer<Object> serve(
      Vertx vertx,
      String address,
      Class<R> type,
      Function<R, Future<JsonObject>> handler,
      Logger log) {
    register(vertx);
    return vertx
        .eventBus()
        .consumer(
            address,
            msg -> {
              Future<JsonObject> result;
              try {
                result = handler.apply(type.cast(msg.body()));
              } catch (RuntimeException e) {
                result = Future.failedFuture(e);
              }
              result.onSuccess(msg::reply).onFailure(e -> ProblemReplies.fail(msg, e, log));
            });
  }

  /** Registers the record codec on this Vert.x instance's event bus, once. */
  public static void register(Vertx vertx) {
    synchronized (REGISTERED) {
      if (REGISTERED.putIfAbsent(vertx, Boolean.TRUE) == null) {
        vertx.eventBus().registerCodec(new LocalRecordCodec());
      }
    }
  }
}
