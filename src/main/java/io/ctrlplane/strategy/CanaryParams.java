package io.ctrlplane.strategy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Parameters of the {@code canary} strategy: a list of {@code steps} run in order. See {@link
 * CanarySteps} for the step forms and their rules.
 *
 * <p>The default shifts 20% of traffic, waits, checks the error rate, goes to 50%, waits, then to
 * 100%.
 */
final class CanaryParams {
  static final String STEPS = "steps";
  static final List<String> KEYS = List.of(STEPS);

  // Private and copied on use: JsonArray is mutable, and a caller editing its result must not
  // change the defaults of every later deployment.
  private static final JsonArray DEFAULT_STEPS =
      new JsonArray()
          .add(new JsonObject().put("set_weight", 20))
          .add(new JsonObject().put("pause", new JsonObject().put("seconds", 30)))
          .add(
              new JsonObject()
                  .put(
                      "analysis",
                      new JsonObject().put("max_error_rate", 0.05).put("window_seconds", 30)))
          .add(new JsonObject().put("set_weight", 50))
          .add(new JsonObject().put("pause", new JsonObject().put("seconds", 30)))
          .add(new JsonObject().put("set_weight", 100));

  private CanaryParams() {}

  static void read(ParamReader in, JsonObject out) {
    Object steps = in.value(STEPS);
    out.put(
        STEPS,
        steps == null
            ? DEFAULT_STEPS.copy()
            : CanarySteps.read(steps, in.path(STEPS), in.problems()));
  }
}
