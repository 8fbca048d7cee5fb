package io.ctrlplane.testing;

import io.vertx.core.json.JsonArray;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * The demo app (demo/DemoApp.java) compiled once per test JVM into one directory per tag, so a
 * command template can point a release at its artifact with {@code {tag}}; a tag without a
 * directory is a release whose artifact is missing. The JVM flags keep each replica small and quick
 * to start.
 */
public final class DemoApps {
  public static final Path ROOT = Path.of("target", "demo-apps").toAbsolutePath();
  private static boolean compiled;

  private DemoApps() {}

  /** Compiles the demo app for every tag (once per JVM) and returns the command template. */
  public static synchronized JsonArray command(String... tags) {
    for (String tag : tags) {
      Path dir = ROOT.resolve(tag);
      if (stale(dir.resolve("DemoApp.class"))) {
        compile(dir);
      }
    }
    compiled = true;
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new JsonArray(
        List.of(
            java,
            "-Xmx32m",
            "-Xss256k",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-XX:CICompilerCount=1",
            "-cp",
            ROOT + "/{tag}",
            "DemoApp",
            "--port",
            "{port}",
            "--version",
            "{tag}"));
  }

  /** Missing, or older than demo/DemoApp.java (a build dir left by an earlier version). */
  private static boolean stale(Path compiled) {
    try {
      return !Files.exists(compiled)
          || Files.getLastModifiedTime(compiled)
                  .compareTo(Files.getLastModifiedTime(Path.of("demo", "DemoApp.java")))
              < 0;
    } catch (java.io.IOException e) {
      return true;
    }
  }

  private static void compile(Path dir) {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    try {
      Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    int rc =
        javac.run(
            null, null, null, "-d", dir.toString(), Path.of("demo", "DemoApp.java").toString());
    if (rc != 0) {
      throw new IllegalStateException("demo/DemoApp.java did not compile");
    }
  }

  /**
   * Demo app processes still running from this build's directory: none may be left after a test.
   */
  public static List<ProcessHandle> running() {
    return ProcessHandle.allProcesses()
        .filter(
            p ->
                p.info()
                    .commandLine()
                    .map(c -> c.contains(ROOT.toString()) && c.contains("DemoApp"))
                    .orElse(false))
        .toList();
  }

  public static boolean wasCompiled() {
    return compiled;
  }
}
