package io.ctrlplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.Main;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Rollouts;
import io.ctrlplane.testing.TestStack;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every API command of the CLI against a live server, through Main.execute with captured streams.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer
@DisplayName("The ctrlplane CLI drives the API")
class CliTest {
  private static final Duration SEEN = Duration.ofSeconds(30);
  private static final AtomicInteger NAMES = new AtomicInteger();
  private static final String CANARY_WITH_PAUSE =
      "steps=[{\"set_weight\":50},{\"pause\":{}},{\"set_weight\":100}]";
  private AppConfig config;
  private Map<String, String> env;

  @BeforeAll
  void start(AppConfig config) {
    this.config = config;
    env =
        Map.of(
            CliConfig.ENV_URL,
            "http://127.0.0.1:" + config.http().port(),
            CliConfig.ENV_KEY,
            TestStack.BOOTSTRAP_KEY);
  }

  record Run(int code, String out, String err) {
    List<String> lines() {
      return out.lines().toList();
    }

    JsonObject json() {
      return new JsonObject(out.strip());
    }
  }

  private Run cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Main.execute(
            args,
            env,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /**
   * An instance on the simulator with the fault rules of {@link Rollouts#SIM}; returns its name.
   */
  private String instance(int replicas) {
    String name = "cli-" + NAMES.incrementAndGet();
    Run r =
        cli(
            "instances",
            "create",
            name,
            "--replicas",
            String.valueOf(replicas),
            "--provider-config",
            Rollouts.SIM.encode());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("instance " + name + " created: inst_");
    return name;
  }

  private String deploymentAt(String deploymentId, String blockedOn) {
    return Await.until(
        SEEN,
        deploymentId + " blocked on " + blockedOn,
        () -> {
          JsonObject d = cli("status", deploymentId, "-o", "json").json();
          JsonObject p = d.getJsonObject("progress");
          return p != null && blockedOn.equals(p.getString("blocked_on"))
              ? d.getString("id")
              : null;
        });
  }

  @Test
  @DisplayName("instances create, list and show (by name), as tables and as JSON")
  void instances() {
    String name = instance(2);
    Run list = cli("instances", "list");
    assertThat(list.code()).isZero();
    assertThat(list.lines().get(0))
        .startsWith("NAME")
        .contains("ID", "REPLICAS", "CURRENT", "HEALTH");
    assertThat(list.lines())
        .anySatisfy(l -> assertThat(l).startsWith(name + " ").contains("inst_", "healthy"));
    JsonObject shown = cli("instances", "show", name, "--output", "json").json();
    assertThat(shown.getString("name")).isEqualTo(name);
    assertThat(shown.getInteger("replicas")).isEqualTo(2);
    assertThat(cli("instances", "show", shown.getString("id")).out())
        .contains("name:      " + name);
    Run missing = cli("instances", "show", "no-such-instance");
    assertThat(missing.code()).isEqualTo(ExitCodes.REFUSED);
    assertThat(missing.err().strip())
        .isEqualTo("ctrlplane: Not Found: no instance named no-such-instance");
  }

  @Test
  @DisplayName(
      "deploy --watch prints one line per change, in order, and exits 0 when the deployment succeeds")
  void deployWatchSucceeds() {
    String name = instance(2);
    Run r =
        cli(
            "deploy",
            name,
            "--image",
            "acme/web:1",
            "--env",
            "LOG_LEVEL=info",
            "--notes",
            "first",
            "--commit",
            "abc1234",
            "--watch");
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    List<String> lines = r.lines();
    assertThat(lines.get(0)).matches("deployment dep_\\S+: v1 \\(acme/web:1, rolling\\) pending");
    assertThat(lines.get(lines.size() - 1)).startsWith("succeeded");
    List<Integer> ranks =
        lines.subList(1, lines.size()).stream()
            .map(l -> List.of("pending", "running", "succeeded").indexOf(l.split(" ")[0]))
            .toList();
    assertThat(ranks).as("states in order: %s", lines).doesNotContain(-1).isSorted();
    assertThat(lines).as("no line repeats the one before").doesNotHaveDuplicates();
  }

  @Test
  @DisplayName("deploy --watch exits 1 when the deployment fails, with the error on the last line")
  void deployWatchFails() {
    String name = instance(1);
    assertThat(cli("deploy", name, "--image", "acme/web:1", "--watch").code()).isZero();
    Run r =
        cli(
            "deploy",
            name,
            "--image",
            "acme/web:bad1",
            "--param",
            "progress_deadline_seconds=2",
            "--watch");
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(ExitCodes.FAILED);
    String last = r.lines().get(r.lines().size() - 1);
    assertThat(last).startsWith("failed").contains("error:");
  }

  @Test
  @DisplayName(
      "releases diff shows image, commit and env changes from the previous version or a given one")
  void releasesDiff() {
    String name = instance(1);
    assertThat(
            cli(
                    "deploy",
                    name,
                    "--image",
                    "acme/web:1",
                    "--commit",
                    "aaaaaaa1",
                    "--env",
                    "A=1",
                    "--env",
                    "B=x",
                    "--watch")
                .code())
        .isZero();
    assertThat(
            cli(
                    "deploy",
                    name,
                    "--image",
                    "acme/web:2",
                    "--commit",
                    "bbbbbbb2",
                    "--env",
                    "A=2",
                    "--env",
                    "C=y",
                    "--watch")
                .code())
        .isZero();
    Run diff = cli("releases", "diff", name, "v2");
    assertThat(diff.code()).as(diff.err()).isZero();
    assertThat(diff.lines())
        .containsExactly(
            "v1 -> v2",
            "image    acme/web:1 -> acme/web:2",
            "commit   aaaaaaa1 -> bbbbbbb2",
            "env    + C=y",
            "env    - B=x",
            "env    ~ A: 1 -> 2");
    Run back = cli("releases", "diff", name, "1", "v2", "-o", "json");
    assertThat(back.code()).as(back.err()).isZero();
    assertThat(back.json().getJsonObject("image").getString("to")).isEqualTo("acme/web:1");
    Run missing = cli("releases", "diff", name, "v9");
    assertThat(missing.code()).isEqualTo(ExitCodes.REFUSED);
    assertThat(cli("releases", "diff", name, "latest").code()).isEqualTo(ExitCodes.USAGE);
  }

  @Test
  @DisplayName(
      "releases marks the current release, rollback --to v1 makes v3 current, and --output json parses")
  void releasesAndRollback() {
    String name = instance(1);
    assertThat(
            cli("deploy", name, "--image", "acme/web:1", "--commit", "abcdef1234", "--watch")
                .code())
        .isZero();
    assertThat(cli("deploy", name, "--image", "acme/web:2", "--notes", "second", "--watch").code())
        .isZero();
    Run before = cli("releases", name);
    assertThat(before.lines().get(0)).contains("VERSION", "IMAGE", "COMMIT", "NOTES", "AGE");
    assertThat(before.lines().get(1)).startsWith("*").contains("v2", "acme/web:2", "second");
    assertThat(before.lines().get(2)).doesNotStartWith("*").contains("v1", "acme/web:1", "abcdef1");

    Run rollback = cli("rollback", name, "--to", "v1", "--watch");
    assertThat(rollback.code()).as(rollback.out() + rollback.err()).isZero();
    assertThat(rollback.lines().get(0)).contains("v3 (acme/web:1");
    Run after = cli("releases", name);
    assertThat(after.lines()).hasSize(4);
    assertThat(after.lines().get(1)).startsWith("*").contains("v3", "acme/web:1", "rollback to v1");
    assertThat(after.lines().subList(2, 4)).noneMatch(l -> l.startsWith("*"));

    JsonObject json = cli("releases", name, "-o", "json", "--all").json();
    assertThat(json.getJsonArray("items")).hasSize(3);
    assertThat(
            json.getJsonArray("items")
                .getJsonObject(0)
                .getJsonObject("rollback_of")
                .getInteger("version"))
        .isEqualTo(1);
    assertThat(cli("releases", name, "--limit", "1").lines()).hasSize(2);
  }

  @Test
  @DisplayName("restart --watch replaces the replicas of the live release and makes no release")
  void restart() {
    String name = instance(2);
    assertThat(cli("deploy", name, "--image", "acme/web:1", "--watch").code()).isZero();
    Run restart = cli("restart", name, "--watch");
    assertThat(restart.code()).as(restart.out() + restart.err()).isZero();
    assertThat(restart.lines().get(0)).contains("v1 (acme/web:1").contains("pending");
    assertThat(cli("releases", name).lines()).hasSize(2);
    JsonObject json = cli("restart", name, "-o", "json").json();
    assertThat(json.getString("kind")).isEqualTo("restart");
  }

  @Test
  @DisplayName(
      "pause, resume and promote steer a canary to success; cancel ends another one, and watch exits 3")
  void control() {
    String name = instance(2);
    assertThat(cli("deploy", name, "--image", "acme/web:1", "--watch").code()).isZero();
    String id =
        cli(
                "deploy",
                name,
                "--image",
                "acme/web:2",
                "--strategy",
                "canary",
                "--param",
                CANARY_WITH_PAUSE,
                "-o",
                "json")
            .json()
            .getString("id");
    deploymentAt(id, "pause");
    Run pause = cli("pause", id);
    assertThat(pause.code()).as(pause.err()).isZero();
    assertThat(pause.out()).startsWith(id + ": pause accepted");
    assertThat(cli("pause", id).code()).as("already paused: 409").isEqualTo(ExitCodes.REFUSED);
    Run resume = cli("resume", id, "-o", "json");
    assertThat(resume.code()).as(resume.err()).isZero();
    assertThat(resume.json().getString("id")).isEqualTo(id);
    assertThat(cli("promote", id, "--full").code()).isZero();
    Run watch = cli("watch", id);
    assertThat(watch.code()).as(watch.out()).isZero();
    String status = cli("status", id).out();
    assertThat(status).contains("succeeded");
    JsonArray plan = cli("status", id, "-o", "json").json().getJsonArray("plan");
    assertThat(status)
        .as("every planned step, numbered and done")
        .contains("✓ 1. " + plan.getJsonObject(0).getString("description"))
        .contains(
            "✓ "
                + plan.size()
                + ". "
                + plan.getJsonObject(plan.size() - 1).getString("description"));

    String other =
        cli(
                "deploy",
                name,
                "--image",
                "acme/web:3",
                "--strategy",
                "canary",
                "--param",
                CANARY_WITH_PAUSE,
                "-o",
                "json")
            .json()
            .getString("id");
    deploymentAt(other, "pause");
    assertThat(cli("cancel", other).code()).isZero();
    Run cancelled = cli("watch", other);
    assertThat(cancelled.code()).isEqualTo(ExitCodes.CANCELLED);
    assertThat(cancelled.lines().get(cancelled.lines().size() - 1)).startsWith("cancelled");
  }

  @Test
  @DisplayName(
      "--watch on a terminal rewrites one line in place (carriage return, clear to end) and ends it on the end state")
  void watchOnATerminal() {
    String name = instance(2);
    String id = cli("deploy", name, "--image", "acme/web:1", "-o", "json").json().getString("id");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ApiHttp api =
        new ApiHttp(new CliConfig(env.get(CliConfig.ENV_URL), env.get(CliConfig.ENV_KEY)));
    int code =
        new DeploymentFollower(
                api, new PrintStream(bytes, true, StandardCharsets.UTF_8), false, true)
            .follow(id);
    String screen = bytes.toString(StandardCharsets.UTF_8);

    assertThat(code).isEqualTo(ExitCodes.OK);
    assertThat(screen).startsWith("\r").endsWith("\n");
    assertThat(screen.chars().filter(c -> c == '\n').count())
        .as("one line, rewritten: no newline before the end")
        .isEqualTo(1);
    String[] frames = screen.strip().split("\r");
    assertThat(frames).allSatisfy(f -> assertThat(f).endsWith("\033[K"));
    assertThat(frames[frames.length - 1]).startsWith("succeeded");
  }

  @Test
  @DisplayName(
      "a refused request prints one line with the problem's title, detail and fields, and exits 4")
  void refused() {
    String name = instance(1);
    Run r = cli("deploy", name, "--image", "Not A Valid Image!!");
    assertThat(r.code()).isEqualTo(ExitCodes.REFUSED);
    assertThat(r.out()).isEmpty();
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.err()).startsWith("ctrlplane: Invalid request: image: ");
    assertThat(r.err().split("image: ", -1))
        .as("one field error, said once: " + r.err())
        .hasSize(2);

    Run two = cli("deploy", name, "--image", "Not A Valid Image!!", "--strategy", "sideways");
    assertThat(two.code()).isEqualTo(ExitCodes.REFUSED);
    assertThat(two.err().lines()).hasSize(1);
    assertThat(two.err())
        .startsWith("ctrlplane: Invalid request: ")
        .contains("image: ")
        .contains("strategy: ");
  }

  @Test
  @DisplayName(
      "an API that does not answer is one clear line and exit 5; a missing key is a refusal")
  void unreachable() {
    Run r = cli("instances", "list", "--api-url", "http://127.0.0.1:" + TestStack.freePort());
    assertThat(r.code()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.err())
        .startsWith("ctrlplane: cannot reach the API at http://127.0.0.1:")
        .contains("connection refused");
    Run noKey = cli("instances", "list", "--api-key", "cp_not_a_key");
    assertThat(noKey.code()).isEqualTo(ExitCodes.REFUSED);
    assertThat(noKey.err()).startsWith("ctrlplane: Unauthorized: ");
  }

  @Test
  @DisplayName("events replays the tenant's events over the API, filtered by instance")
  void events() {
    String name = instance(1);
    assertThat(cli("deploy", name, "--image", "acme/web:1", "--watch").code()).isZero();
    List<String> lines =
        Await.until(
            SEEN,
            "the succeeded event",
            () -> {
              List<String> out = cli("events", "--instance", name, "-o", "json").lines();
              return out.stream().anyMatch(l -> l.contains("deploy.succeeded")) ? out : null;
            });
    assertThat(lines)
        .allSatisfy(
            l ->
                assertThat(
                        new JsonObject(l)
                            .getJsonObject("event")
                            .getJsonObject("data")
                            .getString("instance_name"))
                    .isEqualTo(name));
    List<String> table = cli("events", "--instance", name, "--skip-progress").lines();
    assertThat(table)
        .anySatisfy(l -> assertThat(l).contains(name, "v1", "deploy.started"))
        .noneSatisfy(l -> assertThat(l).contains("deploy.progressed"));
  }
}
