package io.ctrlplane.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ctrlplane instances create|list|show}. */
@Command(
    name = "instances",
    mixinStandardHelpOptions = true,
    description = "Create, list and show instances.",
    subcommands = {
      InstancesCommand.Create.class,
      InstancesCommand.List.class,
      InstancesCommand.Show.class
    })
public final class InstancesCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "say which: create, list or show");
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create an instance.")
  static final class Create extends ApiCommand {
    @Parameters(index = "0", description = "Name (a DNS label).")
    String name;

    @Option(names = "--replicas", description = "Replicas (default 1).")
    Integer replicas;

    @Option(names = "--provider", description = "simulator (default) or process.")
    String provider;

    @Option(names = "--provider-config", description = "Provider settings as JSON.")
    String providerConfig;

    @Option(
        names = "--strategy",
        description = "Default strategy: rolling (default), blue-green, canary, recreate.")
    String strategy;

    @Option(
        names = "--param",
        description = "Default strategy parameter k=v (JSON values allowed); repeatable.")
    Map<String, String> params;

    @Option(names = "--idempotency-key", description = "Idempotency-Key header.")
    String idempotencyKey;

    @Override
    protected int run(ApiHttp api) {
      JsonObject body = new JsonObject().put("name", name);
      if (replicas != null) {
        body.put("replicas", replicas);
      }
      if (provider != null) {
        body.put("provider", provider);
      }
      if (providerConfig != null) {
        body.put("provider_config", Values.jsonObject("--provider-config", providerConfig));
      }
      if (strategy != null) {
        body.put("default_strategy", strategy);
      }
      if (params != null) {
        body.put("default_strategy_params", Values.params(params));
      }
      JsonObject created = api.post("/v1/instances", body, Values.idempotency(idempotencyKey));
      if (json()) {
        printJson(created);
      } else {
        out.println(
            "instance " + created.getString("name") + " created: " + created.getString("id"));
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List instances, newest first.")
  static final class List extends ApiCommand {
    @Override
    protected int run(ApiHttp api) {
      JsonArray all = new JsonArray();
      String cursor = null;
      do {
        JsonObject page =
            api.get("/v1/instances?limit=100" + (cursor == null ? "" : "&cursor=" + cursor));
        all.addAll(page.getJsonArray("items"));
        cursor = page.getString("next_cursor");
      } while (cursor != null);
      if (json()) {
        printJson(new JsonObject().put("items", all));
        return ExitCodes.OK;
      }
      Table table = new Table("NAME", "ID", "REPLICAS", "CURRENT", "HEALTH", "AGE");
      Instant now = Instant.now();
      for (int i = 0; i < all.size(); i++) {
        JsonObject inst = all.getJsonObject(i);
        table.row(
            inst.getString("name"),
            inst.getString("id"),
            inst.getInteger("replicas"),
            current(inst),
            inst.getJsonObject("health").getString("status"),
            Age.since(inst.getString("created_at"), now));
      }
      table.print(out);
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "Show one instance (by id or name).")
  static final class Show extends ApiCommand {
    @Parameters(index = "0", description = "Instance id or name.")
    String instance;

    @Override
    protected int run(ApiHttp api) {
      JsonObject inst = Resolve.instance(api, instance);
      if (json()) {
        printJson(inst);
        return ExitCodes.OK;
      }
      out.println("name:      " + inst.getString("name"));
      out.println("id:        " + inst.getString("id"));
      out.println("replicas:  " + inst.getInteger("replicas"));
      out.println("provider:  " + inst.getString("provider"));
      out.println("strategy:  " + inst.getString("default_strategy"));
      out.println("current:   " + (current(inst) == null ? "-" : current(inst)));
      JsonObject health = inst.getJsonObject("health");
      out.println(
          "health:    "
              + health.getString("status")
              + (health.getString("reason") == null
                  ? ""
                  : " (" + health.getString("reason") + ")"));
      out.println("created:   " + inst.getString("created_at"));
      return ExitCodes.OK;
    }
  }

  private static String current(JsonObject instance) {
    JsonObject release = instance.getJsonObject("current_release");
    return release == null ? null : "v" + release.getValue("version");
  }
}
