package io.ctrlplane.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ctrlplane releases <instance>}: the releases, newest first, the live one marked {@code *};
 * {@code releases diff} compares two of them ({@link ReleasesDiffCommand}).
 */
@Command(
    name = "releases",
    mixinStandardHelpOptions = true,
    description = "List an instance's releases, newest first; * marks the current one.",
    subcommands = ReleasesDiffCommand.class)
public final class ReleasesCommand extends ApiCommand {
  @Parameters(index = "0", arity = "0..1", description = "Instance id or name.")
  String instance;

  @Option(names = "--limit", defaultValue = "20", description = "How many (default 20).")
  int limit;

  @Option(names = "--all", description = "Every release (follows the pages).")
  boolean all;

  @Override
  protected int run(ApiHttp api) {
    if (instance == null) {
      throw new CliException(
          ExitCodes.USAGE, "say which instance: ctrlplane releases <instance> (or releases diff)");
    }
    JsonObject inst = Resolve.instance(api, instance);
    JsonArray releases = new JsonArray();
    String cursor = null;
    do {
      int want = all ? 100 : Math.max(1, Math.min(100, limit - releases.size()));
      JsonObject page =
          api.get(
              "/v1/instances/"
                  + inst.getString("id")
                  + "/releases?limit="
                  + want
                  + (cursor == null ? "" : "&cursor=" + cursor));
      releases.addAll(page.getJsonArray("items"));
      cursor = page.getString("next_cursor");
    } while (cursor != null && (all || releases.size() < limit));
    if (json()) {
      printJson(new JsonObject().put("items", releases));
      return ExitCodes.OK;
    }
    JsonObject current = inst.getJsonObject("current_release");
    String currentId = current == null ? null : current.getString("id");
    Table table = new Table("", "VERSION", "IMAGE", "COMMIT", "NOTES", "AGE");
    Instant now = Instant.now();
    for (int i = 0; i < releases.size(); i++) {
      JsonObject r = releases.getJsonObject(i);
      JsonObject rollbackOf = r.getJsonObject("rollback_of");
      String notes = r.getString("notes");
      if (rollbackOf != null) {
        notes =
            "rollback to v" + rollbackOf.getValue("version") + (notes == null ? "" : ": " + notes);
      }
      table.row(
          r.getString("id").equals(currentId) ? "*" : "",
          "v" + r.getValue("version"),
          r.getString("image"),
          shortSha(r.getString("commit_sha")),
          oneLine(notes),
          Age.since(r.getString("created_at"), now));
    }
    table.print(out);
    return ExitCodes.OK;
  }

  private static String shortSha(String sha) {
    return sha == null ? null : sha.substring(0, Math.min(7, sha.length()));
  }

  private static String oneLine(String text) {
    if (text == null) {
      return null;
    }
    String line = text.lines().findFirst().orElse("");
    return line.length() > 50 ? line.substring(0, 49) + "…" : line;
  }
}
