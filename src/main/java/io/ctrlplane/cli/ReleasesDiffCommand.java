package io.ctrlplane.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code ctrlplane releases diff <instance> v7 [v5]}: what changed from the second release
 * (default: the previous version) to the first; secret values are never shown, only names.
 */
@Command(
    name = "diff",
    mixinStandardHelpOptions = true,
    description =
        "What changed from AGAINST (default: the previous version) to RELEASE: image, commit, env,"
            + " secret names.")
public final class ReleasesDiffCommand extends ApiCommand {
  @Parameters(index = "0", description = "Instance id or name.")
  String instance;

  @Parameters(index = "1", description = "The release: v7, 7 or a release id.")
  String release;

  @Parameters(index = "2", arity = "0..1", description = "Compare with: v5, 5 or a release id.")
  String against;

  @Override
  protected int run(ApiHttp api) {
    String instanceId = Resolve.instanceId(api, instance);
    String to = releaseId(api, instanceId, release);
    String path = "/v1/releases/" + to + "/diff";
    if (against != null) {
      path += "?against=" + releaseId(api, instanceId, against);
    }
    JsonObject diff = api.get(path);
    if (json()) {
      printJson(diff);
      return ExitCodes.OK;
    }
    JsonObject from = diff.getJsonObject("against");
    out.println(
        (from == null ? "nothing" : "v" + from.getValue("version"))
            + " -> v"
            + diff.getJsonObject("release").getValue("version"));
    change("image", diff.getJsonObject("image"));
    change("commit", diff.getJsonObject("commit_sha"));
    JsonObject env = diff.getJsonObject("env");
    env.getJsonObject("added")
        .forEach(e -> out.println("env    + " + e.getKey() + "=" + e.getValue()));
    env.getJsonObject("removed")
        .forEach(e -> out.println("env    - " + e.getKey() + "=" + e.getValue()));
    env.getJsonObject("changed")
        .forEach(
            e -> {
              JsonObject c = (JsonObject) e.getValue();
              out.println(
                  "env    ~ "
                      + e.getKey()
                      + ": "
                      + c.getString("from")
                      + " -> "
                      + c.getString("to"));
            });
    JsonObject secrets = diff.getJsonObject("secret_env");
    names("secret + ", secrets.getJsonArray("added"));
    names("secret - ", secrets.getJsonArray("removed"));
    names("secret ~ ", secrets.getJsonArray("changed"));
    return ExitCodes.OK;
  }

  private void change(String label, JsonObject c) {
    if (c.getBoolean("changed")) {
      out.println(String.format("%-6s   %s -> %s", label, c.getString("from"), c.getString("to")));
    }
  }

  private void names(String prefix, JsonArray names) {
    names.forEach(n -> out.println(prefix + n));
  }

  /** A release id for {@code v7}, {@code 7} or an id ({@code rel_…}) of the instance. */
  private static String releaseId(ApiHttp api, String instanceId, String ref) {
    if (ref.startsWith("rel_")) {
      return ref;
    }
    int version;
    try {
      version = Integer.parseInt(ref.startsWith("v") ? ref.substring(1) : ref);
    } catch (NumberFormatException e) {
      throw new CliException(
          ExitCodes.USAGE, "a release is v<N>, <N> or a release id (rel_…), not " + ref);
    }
    String cursor = null;
    do {
      JsonObject page =
          api.get(
              "/v1/instances/"
                  + instanceId
                  + "/releases?limit=100"
                  + (cursor == null ? "" : "&cursor=" + cursor));
      for (Object o : page.getJsonArray("items")) {
        JsonObject r = (JsonObject) o;
        if (r.getInteger("version") == version) {
          return r.getString("id");
        }
      }
      cursor = page.getString("next_cursor");
    } while (cursor != null);
    throw new CliException(ExitCodes.REFUSED, "Not Found: instance has no release v" + version);
  }
}
