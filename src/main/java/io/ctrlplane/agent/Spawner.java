package io.ctrlplane.agent;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The blocking side of running processes (fork/exec, pid files, the output pump): called through
 * executeBlocking, never on an event loop.
 */
final class Spawner {
  private static final Logger log = LoggerFactory.getLogger(Spawner.class);

  /** The agent's own environment holds database credentials: a replica gets only these from it. */
  private static final List<String> INHERITED =
      List.of("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "JAVA_HOME");

  private Spawner() {}

  /** A port free right now on every address; the app binds it a moment later. */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static Process spawn(LocalReplica r, List<String> argv, Map<String, String> env)
      throws IOException {
    Files.createDirectories(r.dir);
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
    Map<String, String> childEnv = pb.environment();
    Map<String, String> own = Map.copyOf(childEnv);
    childEnv.clear();
    INHERITED.forEach(
        k -> {
          if (own.containsKey(k)) {
            childEnv.put(k, own.get(k));
          }
        });
    childEnv.putAll(env);
    Process p = pb.start();
    Files.writeString(
        r.dir.resolve("pid"),
        p.pid() + " " + p.info().startInstant().map(i -> i.toEpochMilli()).orElse(0L));
    Thread pump =
        new Thread(
            () -> {
              try {
                r.log.pump(p.getInputStream());
              } catch (IOException e) {
                log.debug("replica {}: output pump ended: {}", r.id(), e.toString());
              }
            },
            "replica-log-" + r.id());
    pump.setDaemon(true);
    pump.start();
    return p;
  }

  /** SIGKILL to the process and whatever it started. */
  static void kill(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
  }

  static void forgetPid(Path dir) {
    try {
      Files.deleteIfExists(dir.resolve("pid"));
    } catch (IOException e) {
      log.debug("pid file in {} not removed: {}", dir, e.toString());
    }
  }

  /**
   * Kills the replicas a previous run of this agent left behind (it was killed itself, so it could
   * not stop them): each pid file names a process and its start time, so a reused pid is left
   * alone.
   */
  static int reapLeftovers(Path replicasDir) throws IOException {
    if (!Files.isDirectory(replicasDir)) {
      return 0;
    }
    int reaped = 0;
    try (Stream<Path> dirs = Files.list(replicasDir)) {
      for (Path dir : dirs.toList()) {
        Path pidFile = dir.resolve("pid");
        if (!Files.exists(pidFile)) {
          continue;
        }
        String[] parts = Files.readString(pidFile).trim().split(" ");
        long pid = Long.parseLong(parts[0]);
        long started = parts.length > 1 ? Long.parseLong(parts[1]) : 0;
        ProcessHandle h = ProcessHandle.of(pid).orElse(null);
        if (h != null
            && h.isAlive()
            && h.info().startInstant().map(i -> i.toEpochMilli() == started).orElse(false)) {
          h.descendants().forEach(ProcessHandle::destroyForcibly);
          h.destroyForcibly();
          reaped++;
        }
        Files.deleteIfExists(pidFile);
      }
    }
    return reaped;
  }
}
