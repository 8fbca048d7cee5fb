package io.ctrlplane.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ctrlplane strategies list|create|delete}: the tenant's strategy templates. */
@Command(
    name = "strategies",
    mixinStandardHelpOptions = true,
    description = "List, create and delete strategy templates (a named strategy with params).",
    subcommands = {
      StrategiesCommand.List.class,
      StrategiesCommand.Create.class,
      StrategiesCommand.Delete.class
    })
public final class StrategiesCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "say which: list, create or delete");
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description =
          "Create a template, e.g. create safe-canary --strategy canary --param steps=[…]")
  static final class Create extends ApiCommand {
    @Parameters(index = "0", description = "Template name (a DNS label, not a strategy's name).")
    String name;

    @Option(
        names = "--strategy",
        required = true,
        description = "The strategy: rolling, blue-green, canary, recreate or a plugin's.")
    String strategy;

    @Option(names = "--param", description = "Strategy parameter k=v (JSON values allowed).")
    Map<String, String> params;

    @Override
    protected int run(ApiHttp api) {
      JsonObject body = new JsonObject().put("name", name).put("strategy", strategy);
      if (params != null) {
        body.put("params", Values.params(params));
      }
      JsonObject created = api.post("/v1/strategies", body, Map.of());
      if (json()) {
        printJson(created);
      } else {
        out.println(
            "strategy template "
                + created.getString("name")
                + " created ("
                + created.getString("strategy")
                + ")");
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List strategy templates, newest first.")
  static final class List extends ApiCommand {
    @Override
    protected int run(ApiHttp api) {
      JsonArray all = new JsonArray();
      String cursor = null;
      do {
        JsonObject page =
            api.get("/v1/strategies?limit=100" + (cursor == null ? "" : "&cursor=" + cursor));
        all.addAll(page.getJsonArray("items"));
        cursor = page.getString("next_cursor");
      } while (cursor != null);
      if (json()) {
        printJson(new JsonObject().put("items", all));
        return ExitCodes.OK;
      }
      Table table = new Table("NAME", "STRATEGY", "PARAMS", "AGE");
      Instant now = Instant.now();
      for (int i = 0; i < all.size(); i++) {
        JsonObject t = all.getJsonObject(i);
        table.row(
            t.getString("name"),
            t.getString("strategy"),
            t.getJsonObject("params").encode(),
            Age.since(t.getString("created_at"), now));
      }
      table.print(out);
      return ExitCodes.OK;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a template.")
  static final class Delete extends ApiCommand {
    @Parameters(index = "0", description = "Template name.")
    String name;

    @Override
    protected int run(ApiHttp api) {
      api.delete("/v1/strategies/" + name);
      if (!json()) {
        out.println("strategy template " + name + " deleted");
      } else {
        printJson(new JsonObject().put("deleted", name));
      }
      return ExitCodes.OK;
    }
  }
}
