package io.ctrlplane.cli;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/** Turns command-line values into request JSON. */
final class Values {
  private Values() {}

  /**
   * {@code k=v} strategy parameters: a value that parses as JSON (1, true, [..], {..}) is sent as
   * such, else as a string.
   */
  static JsonObject params(Map<String, String> raw) {
    JsonObject out = new JsonObject();
    raw.forEach((k, v) -> out.put(k, jsonValue(v)));
    return out;
  }

  static Object jsonValue(String text) {
    try {
      return Json.decodeValue(text);
    } catch (DecodeException e) {
      return text;
    }
  }

  static JsonObject strings(Map<String, String> raw) {
    JsonObject out = new JsonObject();
    raw.forEach(out::put);
    return out;
  }

  static JsonObject jsonObject(String option, String text) {
    try {
      return new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw new CliException(ExitCodes.USAGE, option + " must be a JSON object");
    }
  }

  static Map<String, String> idempotency(String key) {
    return key == null ? Map.of() : Map.of("Idempotency-Key", key);
  }
}
