package io.ctrlplane.api;

import io.ctrlplane.problem.Problem;
import io.ctrlplane.problem.Problems;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps every failure, once, at the edge, to an RFC 9457 problem document; a mutating request that
 * ends here gets its audit record of the refusal first.
 */
final class Errors {
  private static final Logger log = LoggerFactory.getLogger(Errors.class);
  private static final Problem TOO_LARGE =
      Problem.of(
          413,
          "Payload Too Large",
          "the request body exceeds the limit of "
              + ApiRouter.MAX_BODY_BYTES / (1024 * 1024)
              + " MiB");

  /** Retry-After of a 503: how long a client waits before it tries again. */
  static final int RETRY_AFTER_SECONDS = 2;

  private final RefusalAudit audit;

  private Errors(RefusalAudit audit) {
    this.audit = audit;
  }

  static void mount(Router router, RefusalAudit audit) {
    Errors errors = new Errors(audit);
    router.errorHandler(
        404,
        ctx ->
            errors.send(
                ctx,
                Problem.of(
                    404,
                    "Not Found",
                    "no route " + ctx.request().method() + " " + ctx.request().path())));
    router.errorHandler(
        405,
        ctx ->
            errors.send(
                ctx,
                Problem.of(
                    405,
                    "Method Not Allowed",
                    ctx.request().method() + " is not allowed on " + ctx.request().path())));
    router.errorHandler(413, ctx -> errors.send(ctx, TOO_LARGE));
    router.errorHandler(500, errors::fromFailure);
    router.route().failureHandler(errors::fromFailure);
  }

  void fromFailure(RoutingContext ctx) {
    send(ctx, toProblem(ctx.failure(), ctx.statusCode()));
  }

  static Problem toProblem(Throwable failure, int status) {
    Problem known = Problems.known(failure);
    if (known != null) {
      return known;
    }
    if (failure instanceof DecodeException
        || failure != null && failure.getCause() instanceof DecodeException) {
      return Problem.of(400, "Malformed JSON", "the request body is not valid JSON");
    }
    if (failure instanceof ReplyException re
        && re.getMessage() != null
        && re.getMessage().startsWith("{")) {
      return Problem.fromJson(new JsonObject(re.getMessage()));
    }
    if (failure == null && status == 413
        || failure instanceof HttpException he && he.getStatusCode() == 413) {
      return TOO_LARGE; // the body handler's refusal: say what the limit is
    }
    if (failure instanceof HttpException he) {
      return Problem.of(
          he.getStatusCode(),
          statusTitle(he.getStatusCode()),
          he.getPayload() != null ? he.getPayload() : statusTitle(he.getStatusCode()));
    }
    if (failure == null && status >= 400 && status < 500) {
      return Problem.of(status, statusTitle(status), statusTitle(status));
    }
    log.error("unexpected failure while handling a request", failure);
    return Problem.of(
        500, "Internal Server Error", "an unexpected error occurred; it has been logged");
  }

  void send(RoutingContext ctx, Problem problem) {
    if (ctx.response().ended()) {
      return;
    }
    audit
        .record(ctx, problem.status())
        .onComplete(
            ar -> {
              if (!ctx.response().ended()) {
                if (problem.status() == 503
                    && ctx.response().headers().get("Retry-After") == null) {
                  // a dependency is out (the database): nothing was done, try again shortly
                  ctx.response().putHeader("Retry-After", String.valueOf(RETRY_AFTER_SECONDS));
                }
                ctx.response()
                    .setStatusCode(problem.status())
                    .putHeader("content-type", Problem.CONTENT_TYPE)
                    .end(problem.toJson().encode());
              }
            });
  }

  private static String statusTitle(int status) {
    return io.netty.handler.codec.http.HttpResponseStatus.valueOf(status).reasonPhrase();
  }
}
