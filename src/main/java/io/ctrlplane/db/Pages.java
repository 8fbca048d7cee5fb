package io.ctrlplane.db;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.util.function.Function;

/**
 * One page of a keyset-paginated list: {@code {"items": [...], "next_cursor": …}}. Queries ask for
 * {@code limit + 1} rows; the extra row only says that there is a next page, whose cursor is made
 * from the last row shown. {@code next_cursor} is null on the last page.
 */
public final class Pages {
  private Pages() {}

  public static JsonObject of(
      RowSet<Row> rows,
      int limit,
      Function<Row, JsonObject> render,
      Function<Row, String> cursorOf) {
    JsonArray items = new JsonArray();
    Row last = null;
    for (Row row : rows) {
      if (items.size() == limit) {
        break;
      }
      items.add(render.apply(row));
      last = row;
    }
    boolean more = rows.size() > limit;
    return new JsonObject()
        .put("items", items)
        .put("next_cursor", more ? cursorOf.apply(last) : null);
  }

  /** The same, for lists ordered by a {@code seq} column, with cursors of {@code kind}. */
  public static JsonObject bySeq(
      RowSet<Row> rows, int limit, Function<Row, JsonObject> render, String kind) {
    return of(rows, limit, render, last -> Cursor.encode(kind, last.getLong("seq")));
  }
}
