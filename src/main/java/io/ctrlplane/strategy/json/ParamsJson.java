package io.ctrlplane.strategy.json;

import io.ctrlplane.deploy.ValidationException;
import io.ctrlplane.strategy.Strategies;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON edge of strategy params: {@code strategy_params} as they come in HTTP bodies and go to
 * and from the database, turned into the plain tree the strategies read (Map, List, String, Number,
 * Boolean) and back. The only place params meet Vert.x JSON types.
 */
public final class ParamsJson {
  private ParamsJson() {}

  /**
   * {@link Strategies#normalize} on JSON: the params validated, with every default filled in, as a
   * new object. The input is not modified.
   *
   * @throws ValidationException as {@link Strategies#normalize} does
   */
  public static JsonObject normalize(String strategy, JsonObject params) {
    return toJson(Strategies.normalize(strategy, toMap(params)).toMap());
  }

  /** A detached tree of plain values; null is the same as {}. */
  public static Map<String, Object> toMap(JsonObject json) {
    return json == null ? new LinkedHashMap<>() : plainMap(json.getMap());
  }

  /** The tree as JSON, detached from it. */
  public static JsonObject toJson(Map<String, ?> map) {
    JsonObject out = new JsonObject();
    map.forEach((k, v) -> out.put(k, json(v)));
    return out;
  }

  private static Object plain(Object value) {
    if (value instanceof JsonObject o) {
      return plainMap(o.getMap());
    }
    if (value instanceof Map<?, ?> m) {
      return plainMap(m);
    }
    if (value instanceof JsonArray a) {
      return plainList(a.getList());
    }
    if (value instanceof List<?> l) {
      return plainList(l);
    }
    return value;
  }

  private static Map<String, Object> plainMap(Map<?, ?> map) {
    Map<String, Object> out = new LinkedHashMap<>();
    map.forEach((k, v) -> out.put(String.valueOf(k), plain(v)));
    return out;
  }

  private static List<Object> plainList(List<?> list) {
    List<Object> out = new ArrayList<>();
    list.forEach(v -> out.add(plain(v)));
    return out;
  }

  private static Object json(Object value) {
    if (value instanceof Map<?, ?> m) {
      JsonObject out = new JsonObject();
      m.forEach((k, v) -> out.put(String.valueOf(k), json(v)));
      return out;
    }
    if (value instanceof List<?> l) {
      JsonArray out = new JsonArray();
      l.forEach(v -> out.add(json(v)));
      return out;
    }
    return value;
  }
}
