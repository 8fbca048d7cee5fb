package io.ctrlplane.cli;

import io.ctrlplane.events.EventLine;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ctrlplane events}: your tenant's deploy events over the API ({@code GET /v1/events}), for
 * users with an API key. The operator's {@code ctrlplane kafka-events} reads the Kafka topic itself
 * (every tenant).
 */
@Command(
    name = "events",
    mixinStandardHelpOptions = true,
    description =
        "Deploy events of your tenant, over the API: replay, and with --follow keep printing new ones.")
public final class EventsFeedCommand extends ApiCommand {
  @Option(names = "--instance", description = "Only events of this instance (id or name).")
  String instance;

  @Option(
      names = "--after",
      defaultValue = "0",
      description = "Start after this event position (default 0: every retained event).")
  long after;

  @Option(names = "--follow", description = "Keep waiting for new events (Ctrl-C to stop).")
  boolean follow;

  @Option(
      names = "--skip-progress",
      description = "Leave out deploy.progressed (step-by-step) events.")
  boolean skipProgress;

  @Option(
      names = "--poll-ms",
      defaultValue = "1000",
      description = "With --follow: how often to ask for new events.")
  long pollMs;

  @Override
  protected int run(ApiHttp api) {
    long position = after;
    while (true) {
      JsonObject page = api.get("/v1/events?limit=1000&after=" + position);
      JsonArray items = page.getJsonArray("items");
      for (int i = 0; i < items.size(); i++) {
        print(items.getJsonObject(i));
      }
      out.flush();
      position = page.getLong("next_cursor", position);
      if (page.getBoolean("has_more", false)) {
        continue;
      }
      if (!follow) {
        return ExitCodes.OK;
      }
      try {
        Thread.sleep(pollMs); // the polling interval of --follow
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return ExitCodes.OK;
      }
    }
  }

  private void print(JsonObject item) {
    String event = item.getJsonObject("event").encode();
    if (instance != null && !EventLine.isAbout(event, instance)
        || skipProgress && EventLine.isProgress(event)) {
      return;
    }
    if (json()) {
      printJson(item);
    } else {
      String line = EventLine.format(event);
      out.println(line != null ? line : event);
    }
  }
}
