package io.ctrlplane.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * For test classes that run real containers: finds the engine (DOCKER_HOST, else the socket .ci/run
 * starts, else Docker's), builds the test images once per test JVM ({@code FROM scratch} with a
 * static busybox httpd, no registry needed) and, when the whole run ends, removes every container
 * the tests' agents labelled and every test image. Without an engine the class is skipped with a
 * hint; under CI=true it fails instead.
 */
public final class ContainerEngine implements BeforeAllCallback {
  public static final String REPO = "localhost/ctrlplane-test-web";

  /** Answers / with "version=v1" and /health with 200 (after START_DELAY_S seconds, if set). */
  public static final String V1 = REPO + ":v1";

  public static final String V2 = REPO + ":v2";

  /** Serves its version page but has no /health: it never becomes ready. */
  public static final String SICK = REPO + ":sick";

  /** The agent-wide default the tests' agents pass (Podman's API applies none of its own). */
  public static final String ULIMITS = "nofile=1024:20000,nproc=4096:4096";

  /** START_DELAY_S (env) delays the server, so a test can catch a rollout in its middle. */
  private static final String ENTRYPOINT =
      "[\"/bin/busybox\",\"sh\",\"-c\",\"/bin/busybox sleep ${START_DELAY_S:-0};"
          + " exec /bin/busybox httpd -f -p 127.0.0.1:${PORT} -h /www\"]";

  private static boolean built;

  /** The engine address the tests' agents use. */
  public static String dockerHost() {
    String env = System.getenv("DOCKER_HOST");
    if (env != null && !env.isBlank()) {
      return env;
    }
    return Files.exists(Path.of("/run/ctrlplane-podman.sock"))
        ? "unix:///run/ctrlplane-podman.sock"
        : "unix:///var/run/docker.sock";
  }

  /** The CLI of the engine (podman here, docker elsewhere), for building and inspecting. */
  public static String cli() {
    return onPath("podman") ? "podman" : "docker";
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    String problem = problem();
    if (problem != null) {
      String hint =
          "no container engine: "
              + problem
              + ". Start one: podman system service --time=0 unix:///run/ctrlplane-podman.sock &"
              + " (apt-get install podman runc busybox-static; see docs/container-provider.md),"
              + " or set DOCKER_HOST";
      if ("true".equals(System.getenv("CI"))) {
        throw new IllegalStateException(hint);
      }
      assumeTrue(false, hint);
    }
    buildOnce(context);
  }

  private static String problem() {
    String host = dockerHost();
    if (!onPath(cli())) {
      return "neither podman nor docker is on the PATH";
    }
    if (!Files.exists(Path.of("/bin/busybox"))) {
      return "/bin/busybox (busybox-static) is missing, the test images need it";
    }
    if (host.startsWith("unix://")) {
      Path sock = Path.of(host.substring("unix://".length()));
      try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
        ch.connect(UnixDomainSocketAddress.of(sock));
      } catch (IOException e) {
        return "nothing answers on " + host + " (" + e.getMessage() + ")";
      }
    }
    return null;
  }

  private static synchronized void buildOnce(ExtensionContext context) throws Exception {
    if (built) {
      return;
    }
    Path dir = Files.createTempDirectory("ctrlplane-test-image");
    try {
      build(dir, "v1", true, V1);
      build(dir, "v2", true, V2);
      build(dir, "sick", false, SICK);
    } finally {
      run(List.of("rm", "-rf", dir.toString()));
    }
    built = true;
    context
        .getRoot()
        .getStore(ExtensionContext.Namespace.GLOBAL)
        .put(
            ContainerEngine.class.getName(),
            (ExtensionContext.Store.CloseableResource) ContainerEngine::cleanUp);
  }

  private static void build(Path dir, String version, boolean health, String tag) throws Exception {
    Path ctx = dir.resolve(version);
    Path www = Files.createDirectories(ctx.resolve("rootfs/www"));
    Files.createDirectories(ctx.resolve("rootfs/bin"));
    Files.copy(Path.of("/bin/busybox"), ctx.resolve("rootfs/bin/busybox"));
    Files.writeString(www.resolve("index.html"), "version=" + version + "\n");
    if (health) {
      Files.writeString(www.resolve("health"), "ok\n");
    }
    Files.writeString(
        ctx.resolve("Containerfile"),
        "FROM scratch\nCOPY rootfs/ /\nENTRYPOINT " + ENTRYPOINT + "\n");
    String out =
        run(List.of(cli(), "build", "-q", "-f", "Containerfile", "-t", tag, ctx.toString()));
    if (out == null) {
      throw new IllegalStateException("could not build test image " + tag);
    }
  }

  /** Every container a test agent labelled, and the test images: gone after the run. */
  static void cleanUp() throws Exception {
    String ids = run(List.of(cli(), "ps", "-aq", "--filter", "label=io.ctrlplane.instance"));
    if (ids != null && !ids.isBlank()) {
      List<String> rm = new ArrayList<>(List.of(cli(), "rm", "-f", "-t", "0"));
      rm.addAll(ids.lines().filter(l -> !l.isBlank()).toList());
      run(rm);
    }
    run(List.of(cli(), "rmi", "-f", V1, V2, SICK));
  }

  /** Containers carrying the label, as {@code ps -a} lists them: one line per container. */
  public static List<String> containers(String label) {
    String out =
        run(
            List.of(
                cli(),
                "ps",
                "-a",
                "--filter",
                "label=" + label,
                "--format",
                "{{.ID}} {{.State}} {{.Labels}}"));
    return out == null ? List.of() : out.lines().filter(l -> !l.isBlank()).toList();
  }

  /** Runs a CLI command to its end (at most 60 s); its output, or null when it failed. */
  public static String run(List<String> argv) {
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        System.err.println(argv + " failed: " + new String(out));
        return null;
      }
      return new String(out);
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static boolean onPath(String program) {
    for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(d, program))) {
        return true;
      }
    }
    return false;
  }
}
