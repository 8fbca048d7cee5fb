package io.ctrlplane.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The API names instances by id; the CLI also takes their names and looks them up. */
final class Resolve {
  private Resolve() {}

  /** The instance JSON for an id ({@code inst_…}) or a name. */
  static JsonObject instance(ApiHttp api, String idOrName) {
    if (idOrName.startsWith("inst_")) {
      return api.get("/v1/instances/" + idOrName);
    }
    String cursor = null;
    do {
      JsonObject page =
          api.get("/v1/instances?limit=100" + (cursor == null ? "" : "&cursor=" + cursor));
      JsonArray items = page.getJsonArray("items");
      for (int i = 0; i < items.size(); i++) {
        if (idOrName.equals(items.getJsonObject(i).getString("name"))) {
          return items.getJsonObject(i);
        }
      }
      cursor = page.getString("next_cursor");
    } while (cursor != null);
    throw new CliException(ExitCodes.REFUSED, "Not Found: no instance named " + idOrName);
  }

  static String instanceId(ApiHttp api, String idOrName) {
    return idOrName.startsWith("inst_") ? idOrName : instance(api, idOrName).getString("id");
  }
}
