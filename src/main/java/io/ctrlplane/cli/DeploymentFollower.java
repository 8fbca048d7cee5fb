package io.ctrlplane.cli;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;

/**
 * Follows {@code GET /v1/deployments/{id}/watch} to the end and turns the end state into an exit
 * code. On a terminal a single line is rewritten in place; otherwise one plain line per visible
 * change (or, with --output json, one JSON document per event). A dropped stream is reopened: its
 * first event is the current state, so nothing is missed that matters.
 */
final class DeploymentFollower {
  private static final int MAX_RECONNECTS = 30;
  private final ApiHttp api;
  private final PrintStream out;
  private final boolean json;
  private final boolean terminal;
  private JsonObject last;
  private String lastLine;

  DeploymentFollower(ApiHttp api, PrintStream out, boolean json, boolean terminal) {
    this.api = api;
    this.out = out;
    this.json = json;
    this.terminal = terminal;
  }

  int follow(String deploymentId) {
    int failures = 0;
    while (last == null || !ProgressLine.terminal(last)) {
      try {
        api.stream(
            "/v1/deployments/" + deploymentId + "/watch",
            event -> {
              if ("deployment".equals(event.type())) {
                show(new JsonObject(event.data()));
              }
              return true;
            });
        failures = 0;
      } catch (IOException e) {
        if (++failures > MAX_RECONNECTS) {
          throw new CliException(
              ExitCodes.UNAVAILABLE, "lost the watch of " + deploymentId + ": " + e.getMessage());
        }
      }
      if (last == null || !ProgressLine.terminal(last)) {
        pause(failures); // the stream ended or dropped before the end: reconnect after a moment
      }
    }
    if (terminal) {
      out.println();
    }
    return exitCode(last.getString("state"));
  }

  static int exitCode(String state) {
    return switch (state) {
      case "failed" -> ExitCodes.FAILED;
      case "cancelled" -> ExitCodes.CANCELLED;
      default -> ExitCodes.OK; // succeeded (or succeeded and since rolled back)
    };
  }

  private void show(JsonObject deployment) {
    last = deployment;
    if (json) {
      out.println(deployment.encode());
      return;
    }
    String line = ProgressLine.of(deployment, Instant.now());
    if (terminal) {
      out.print(
          "\r" + line
              + "\033[K"); // rewrite the line in place and clear what is left of a longer one
      out.flush();
    } else if (!line.equals(lastLine)) {
      out.println(line);
    }
    lastLine = line;
  }

  private static void pause(int failures) {
    try {
      Thread.sleep(
          Math.min(5000, 250L * (failures + 1))); // a reconnect backoff, not synchronisation
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.FAILED, "interrupted");
    }
  }
}
