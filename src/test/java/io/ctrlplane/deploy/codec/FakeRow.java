package io.ctrlplane.deploy.codec;

import io.vertx.sqlclient.Row;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

/**
 * A database row for unit tests of the row mappers: each {@code getX(column)} answers the value
 * given for that column (every column a mapper reads must be given, null included).
 */
final class FakeRow {
  private final Map<String, Object> columns = new HashMap<>();

  FakeRow with(String column, Object value) {
    columns.put(column, value);
    return this;
  }

  Row row() {
    return (Row)
        Proxy.newProxyInstance(
            Row.class.getClassLoader(),
            new Class<?>[] {Row.class},
            (proxy, method, args) -> {
              if (args == null || args.length != 1 || !(args[0] instanceof String column)) {
                throw new UnsupportedOperationException(method.toString());
              }
              if (!columns.containsKey(column)) {
                throw new IllegalArgumentException("column not in the fake row: " + column);
              }
              return columns.get(column);
            });
  }
}
