package io.ctrlplane.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * Step boundaries of a rollout held against its plan. The event history ({@code GET /v1/events})
 * has one {@code deploy.progressed} per completed step. A watch re-reads the deployment, so a step
 * the rollout passes without waiting (a traffic switch, a scale-down) can fold into the next event;
 * the steps it waits in (a pause, readiness of more new replicas than before) always arrive.
 */
public final class StepBoundaries {
  private static final Pattern ENSURE = Pattern.compile("ensure (\\d+) ready");

  private StepBoundaries() {}

  /** Distinct {@code progress.step} values of these deployment JSONs, in the order they came. */
  public static List<Integer> steps(List<JsonObject> deployments) {
    return deployments.stream()
        .map(d -> d.getJsonObject("progress"))
        .filter(p -> p != null && p.getInteger("step") != null)
        .map(p -> p.getInteger("step"))
        .distinct()
        .toList();
  }

  /**
   * 1-based numbers of the plan's steps that wait: a pause, and a readiness step asking for more
   * ready new replicas than any before it.
   */
  public static List<Integer> waiting(JsonArray plan) {
    List<Integer> out = new ArrayList<>();
    int ready = 0;
    for (int i = 0; i < plan.size(); i++) {
      JsonObject step = plan.getJsonObject(i);
      Matcher m = ENSURE.matcher(step.getString("description"));
      if ("pause".equals(step.getString("type"))) {
        out.add(i + 1);
      } else if ("ensure_ready".equals(step.getString("type")) && m.find()) {
        int n = Integer.parseInt(m.group(1));
        if (n > ready) {
          out.add(i + 1);
          ready = n;
        }
      }
    }
    return out;
  }

  /**
   * The deployment's events (CloudEvents) in the replay API, oldest first, once its terminal event
   * is there.
   */
  public static List<JsonObject> history(ApiClient api, String deploymentId) {
    return Await.until(
        java.time.Duration.ofSeconds(30),
        "the terminal event of " + deploymentId + " in GET /v1/events",
        () -> {
          List<JsonObject> out = new ArrayList<>();
          long after = 0;
          boolean more = true;
          while (more) {
            ApiClient.Response r = api.get("/v1/events?limit=1000&after=" + after);
            assertThat(r.status()).as(r.text()).isEqualTo(200);
            r.json()
                .getJsonArray("items")
                .forEach(
                    o -> {
                      JsonObject event = ((JsonObject) o).getJsonObject("event");
                      if (deploymentId.equals(event.getString("subject"))) {
                        out.add(event);
                      }
                    });
            after = r.json().getLong("next_cursor");
            more = r.json().getBoolean("has_more", false);
          }
          return out.stream()
                  .anyMatch(
                      e -> Rollouts.TERMINAL.contains(e.getJsonObject("data").getString("state")))
              ? out
              : null;
        });
  }

  /**
   * Every step boundary of {@code plan} is in the event history, in order; the watch saw the steps
   * in order, none outside the plan, and every step the rollout waited in.
   */
  public static void assertAgainstPlan(
      JsonArray plan, List<JsonObject> history, List<JsonObject> watched) {
    List<Integer> all = IntStream.rangeClosed(1, plan.size()).boxed().toList();
    // one deploy.progressed per completed step k, showing the step that comes next (the last
    // stays on step n)
    assertThat(
            history.stream()
                .filter(e -> "deploy.progressed".equals(e.getString("type")))
                .map(e -> e.getJsonObject("data").getJsonObject("progress").getInteger("step"))
                .toList())
        .as("a deploy.progressed per step boundary of the plan %s in the event history", plan)
        .containsExactlyElementsOf(
            IntStream.rangeClosed(1, plan.size())
                .map(k -> Math.min(k + 1, plan.size()))
                .boxed()
                .toList());
    List<Integer> seen = steps(watched);
    assertThat(seen)
        .as("step boundaries on the watch against the plan %s", plan)
        .isSorted()
        .doesNotHaveDuplicates()
        .isSubsetOf(all)
        .containsAll(waiting(plan));
  }
}
