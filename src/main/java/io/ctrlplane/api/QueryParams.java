package io.ctrlplane.api;

import io.ctrlplane.deploy.FieldError;
import io.ctrlplane.problem.Problem;
import io.ctrlplane.problem.ProblemException;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * Whole-number query parameters with a range, refused with one 400 problem naming the parameter.
 */
final class QueryParams {
  private QueryParams() {}

  static long longParam(RoutingContext ctx, String name, long fallback, long min, long max) {
    String raw = ctx.queryParams().get(name);
    if (raw == null) {
      return fallback;
    }
    try {
      long value = Long.parseLong(raw.trim());
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    String message = "must be a whole number from " + min + " to " + max;
    throw new ProblemException(
        new Problem(
            400,
            "Invalid query parameter",
            name + " " + message,
            List.of(new FieldError(name, message))));
  }
}
