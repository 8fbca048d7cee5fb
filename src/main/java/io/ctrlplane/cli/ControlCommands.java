package io.ctrlplane.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cancel|pause|resume|promote <deployment>} and {@code status|watch <deployment>}. */
public final class ControlCommands {
  private ControlCommands() {}

  /** One of the POST /v1/deployments/{id}/… commands. */
  abstract static class Control extends ApiCommand {
    @Parameters(index = "0", description = "Deployment id (dep_…).")
    String deployment;

    abstract String action();

    JsonObject body() {
      return new JsonObject();
    }

    @Override
    protected int run(ApiHttp api) {
      JsonObject d = api.post("/v1/deployments/" + deployment + "/" + action(), body(), Map.of());
      if (json()) {
        printJson(d);
      } else {
        out.println(
            deployment + ": " + action() + " accepted; now " + ProgressLine.of(d, Instant.now()));
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "cancel",
      mixinStandardHelpOptions = true,
      description = "Cancel a deployment (a running one is reverted first).")
  public static final class Cancel extends Control {
    @Override
    String action() {
      return "cancel";
    }
  }

  @Command(
      name = "pause",
      mixinStandardHelpOptions = true,
      description = "Pause a running deployment.")
  public static final class Pause extends Control {
    @Override
    String action() {
      return "pause";
    }
  }

  @Command(
      name = "resume",
      mixinStandardHelpOptions = true,
      description = "Resume a paused deployment.")
  public static final class Resume extends Control {
    @Override
    String action() {
      return "resume";
    }
  }

  @Command(
      name = "promote",
      mixinStandardHelpOptions = true,
      description =
          "End the pause a deployment waits in; --full skips every remaining pause and analysis.")
  public static final class Promote extends Control {
    @Option(names = "--full", description = "Skip the remaining steps up to the finish.")
    boolean full;

    @Override
    String action() {
      return "promote";
    }

    @Override
    JsonObject body() {
      return full ? new JsonObject().put("full", true) : new JsonObject();
    }
  }

  /** Approve or reject the approval gate a deployment waits at (a key with the approve scope). */
  abstract static class Decision extends Control {
    @Option(names = "--reason", description = "Why (kept with the decision).")
    String reason;

    @Override
    JsonObject body() {
      return reason == null ? new JsonObject() : new JsonObject().put("reason", reason);
    }
  }

  @Command(
      name = "approve",
      mixinStandardHelpOptions = true,
      description =
          "Approve a deployment waiting at its approval gate (needs the approve scope; not the"
              + " initiating key).")
  public static final class Approve extends Decision {
    @Override
    String action() {
      return "approve";
    }
  }

  @Command(
      name = "reject",
      mixinStandardHelpOptions = true,
      description = "Reject a deployment at its approval gate: it fails and reverts.")
  public static final class Reject extends Decision {
    @Override
    String action() {
      return "reject";
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Show a deployment's state and progress.")
  public static final class Status extends ApiCommand {
    @Parameters(index = "0", description = "Deployment id (dep_…).")
    String deployment;

    @Override
    protected int run(ApiHttp api) {
      JsonObject d = api.get("/v1/deployments/" + deployment);
      if (json()) {
        printJson(d);
        return ExitCodes.OK;
      }
      JsonObject release = d.getJsonObject("release");
      out.println(
          "deployment "
              + d.getString("id")
              + " ("
              + d.getString("kind")
              + ", "
              + d.getString("strategy")
              + ") of "
              + d.getString("instance_id")
              + ": v"
              + release.getValue("version")
              + " "
              + release.getString("image"));
      out.println(ProgressLine.of(d, Instant.now()));
      printPlan(d);
      printAnalysis(api, d);
      return ExitCodes.OK;
    }

    /** The evidence of the analysis steps: one line per measurement, oldest first. */
    private void printAnalysis(ApiHttp api, JsonObject d) {
      JsonArray plan = d.getJsonArray("plan");
      boolean analysed =
          plan != null
              && plan.stream().anyMatch(s -> "analysis".equals(((JsonObject) s).getString("type")));
      if (!analysed) {
        return;
      }
      JsonArray items =
          api.get("/v1/deployments/" + d.getString("id") + "/analysis")
              .getJsonArray("items", new JsonArray());
      if (items.isEmpty()) {
        return;
      }
      out.println("analysis (" + items.size() + " measurements):");
      for (int i = 0; i < items.size(); i++) {
        JsonObject m = items.getJsonObject(i);
        out.println(
            "  "
                + m.getString("verdict")
                + "  "
                + m.getString("metric")
                + " #"
                + (m.getInteger("seq") + 1)
                + " over "
                + m.getInteger("window_seconds")
                + " s, "
                + (m.getValue("sample_size") == null
                    ? "sample size unknown"
                    : m.getValue("sample_size") + " requests")
                + ": "
                + m.getString("message"));
      }
    }

    /** The planned steps, the current one marked {@code >} and the finished ones {@code ✓}. */
    private void printPlan(JsonObject d) {
      JsonArray plan = d.getJsonArray("plan");
      JsonObject progress = d.getJsonObject("progress", new JsonObject());
      if (plan == null || "reverting".equals(progress.getString("phase"))) {
        return;
      }
      int current = progress.getInteger("step", 0);
      boolean done =
          "succeeded".equals(d.getString("state")) || "rolled_back".equals(d.getString("state"));
      for (int i = 1; i <= plan.size(); i++) {
        String mark = done || i < current ? "✓" : i == current ? ">" : " ";
        out.println(
            "  " + mark + " " + i + ". " + plan.getJsonObject(i - 1).getString("description"));
      }
    }
  }

  @Command(
      name = "watch",
      mixinStandardHelpOptions = true,
      description = "Follow a deployment to its end; exit 0 succeeded, 1 failed, 3 cancelled.")
  public static final class Watch extends ApiCommand {
    @Parameters(index = "0", description = "Deployment id (dep_…).")
    String deployment;

    @Override
    protected int run(ApiHttp api) {
      return follow(api, deployment);
    }
  }
}
