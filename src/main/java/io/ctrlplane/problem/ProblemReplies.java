package io.ctrlplane.problem;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;
import org.slf4j.Logger;

/**
 * The event-bus side of the problem+json contract for store verticles: a handler's failure travels
 * back as the problem document the API will send, with its status as failure code.
 */
public final class ProblemReplies {
  private ProblemReplies() {}

  /** Registers {@code handler} on {@code address}; replies with its result or its problem. */
  public static MessageConsumer<JsonObject> serve(
      Vertx vertx, String address, Function<JsonObject, Future<JsonObject>> handler, Logger log) {
    return vertx
        .eventBus()
        .<JsonObject>consumer(
            address,
            msg -> {
              Future<JsonObject> result;
              try {
                result = handler.apply(msg.body());
              } catch (RuntimeException e) {
                result = Future.failedFuture(e);
              }
              result.onSuccess(msg::reply).onFailure(e -> fail(msg, e, log));
            });
  }

  public static void fail(Message<?> msg, Throwable e, Logger log) {
    Problem problem = Problems.known(e);
    if (problem == null) {
      log.error("store request on {} failed", msg.address(), e);
      problem =
          Problem.of(500, "Internal Server Error", "the store could not complete the request");
    }
    msg.fail(problem.status(), problem.toJson().encode());
  }
}
