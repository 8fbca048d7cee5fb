package io.ctrlplane.dashboard;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Node script of src/test/browser run as a child process: its stdout read line by line (so the
 * test can wait for a checkpoint), its stdin written to, its stderr kept in a log under
 * target/browser. Needs node, Debian's chromium and {@code npm ci} done in src/test/browser; {@link
 * #missingTools} says what is absent.
 */
final class BrowserScript implements AutoCloseable {
  static final Path DIR = Path.of("src", "test", "browser");
  static final Path CHROMIUM =
      Path.of(System.getenv().getOrDefault("CTRLPLANE_CHROMIUM", "/usr/bin/chromium"));

  private final Process process;
  private final Writer stdin;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> seen = new ArrayList<>();
  private final Path errors;

  private BrowserScript(Process process, Path errors) {
    this.process = process;
    this.errors = errors;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread reader = new Thread(this::readStdout, "browser-script-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  /** What this machine lacks to run the browser test, with how to get it; empty when nothing. */
  static List<String> missingTools() {
    List<String> missing = new ArrayList<>();
    if (!onPath("node")) {
      missing.add("node (apt-get install -y nodejs npm)");
    }
    if (!Files.isExecutable(CHROMIUM)) {
      missing.add(CHROMIUM + " (apt-get install -y chromium, or set CTRLPLANE_CHROMIUM)");
    }
    if (!Files.isDirectory(DIR.resolve("node_modules/playwright-core"))) {
      missing.add("playwright-core (cd src/test/browser && npm ci)");
    }
    return missing;
  }

  private static boolean onPath(String command) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }

  static BrowserScript start(String script, Path logDir, String... args) throws IOException {
    Files.createDirectories(logDir);
    Path errors = logDir.resolve(script.replace(".mjs", "") + ".stderr.log");
    List<String> command = new ArrayList<>(List.of("node", script));
    command.addAll(List.of(args));
    Process process =
        new ProcessBuilder(command).directory(DIR.toFile()).redirectError(errors.toFile()).start();
    return new BrowserScript(process, errors);
  }

  private void readStdout() {
    try (BufferedReader reader =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        lines.add(line);
      }
    } catch (IOException e) {
      lines.add("(stdout closed: " + e + ")");
    }
  }

  /**
   * Waits for a line starting with {@code prefix}; fails at once when the script exits without it.
   */
  String awaitLine(String prefix, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      String line = lines.poll(100, TimeUnit.MILLISECONDS); // a bounded wait for the next line
      if (line != null) {
        seen.add(line);
        if (line.startsWith(prefix)) {
          return line;
        }
      } else if (!process.isAlive() && lines.isEmpty()) {
        throw new AssertionError(
            "the browser script exited with "
                + process.exitValue()
                + " before '"
                + prefix
                + "'; its output: "
                + seen
                + "; its errors: "
                + errorsText());
      }
    }
    throw new AssertionError(
        "no '"
            + prefix
            + "' from the browser script within "
            + timeout
            + "; its output: "
            + seen
            + "; its errors: "
            + errorsText());
  }

  void send(String line) throws IOException {
    stdin.write(line + "\n");
    stdin.flush();
  }

  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(
          "the browser script did not exit within " + timeout + "; output: " + seen);
    }
    lines.drainTo(seen);
    return process.exitValue();
  }

  List<String> output() {
    return List.copyOf(seen);
  }

  String errorsText() {
    try {
      return Files.exists(errors) ? Files.readString(errors) : "";
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
