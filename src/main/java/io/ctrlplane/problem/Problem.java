package io.ctrlplane.problem;

import io.ctrlplane.deploy.FieldError;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** RFC 9457 problem details: the one error shape of the HTTP API. */
public record Problem(int status, String title, String detail, List<FieldError> errors) {
  public static final String CONTENT_TYPE = "application/problem+json";

  public static Problem of(int status, String title, String detail) {
    return new Problem(status, title, detail, List.of());
  }

  public static Problem invalid(List<FieldError> errors) {
    String detail =
        errors.size() == 1
            ? errors.get(0).field() + ": " + errors.get(0).message()
            : errors.size() + " fields are invalid";
    return new Problem(422, "Invalid request", detail, errors);
  }

  public JsonObject toJson() {
    JsonObject json =
        new JsonObject()
            .put("type", "about:blank")
            .put("title", title)
            .put("status", status)
            .put("detail", detail);
    if (!errors.isEmpty()) {
      JsonArray list = new JsonArray();
      errors.forEach(
          e -> list.add(new JsonObject().put("field", e.field()).put("message", e.message())));
      json.put("errors", list);
    }
    return json;
  }

  /** Rebuilds a problem from its JSON form (how the store's failures cross the event bus). */
  public static Problem fromJson(JsonObject json) {
    JsonArray list = json.getJsonArray("errors", new JsonArray());
    List<FieldError> errors =
        list.stream()
            .map(o -> (JsonObject) o)
            .map(o -> new FieldError(o.getString("field"), o.getString("message")))
            .toList();
    return new Problem(
        json.getInteger("status", 500),
        json.getString("title", "Error"),
        json.getString("detail", ""),
        errors);
  }
}
