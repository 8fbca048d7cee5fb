package io.ctrlplane.agent;

import java.io.IOException;
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

  /** A process an earlier run of this agent started that is still the same process. */
  record Leftover(String replicaId, ProcessHandle handle, int port) {}

  /**
   * Starts the replica's command. Its output goes straight to {@code output.log} (opened for
   * append, rotated by {@link BoundedLog#rotateIfFull}), not through a pipe to the agent: a pipe
   * would break when the agent dies, and the app with it (SIGPIPE or a failed write), so an agent
   * restart could not take the app back.
   */
  static Process spawn(LocalReplica r, List<String> argv, Map<String, String> env)
      throws IOException {
    Files.createDirectories(r.dir);
    ProcessBuilder pb =
        new ProcessBuilder(argv)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(r.log.file().toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
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
    // pid, start time (to tell a reused pid) and port: what a restarted agent needs to take the
    // process back
    Files.writeString(
        r.dir.resolve("pid"),
        p.pid()
            + " "
            + p.info().startInstant().map(i -> i.toEpochMilli()).orElse(0L)
            + " "
            + r.port);
    return p;
  }

  /** SIGKILL to the process and whatever it started. */
  static void kill(ProcessHandle p) {
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
   * The replica processes a previous run of this agent left behind (it was killed, so it could not
   * stop them), still running: each pid file names a process, its start time and its port, so a
   * reused pid is not taken for one. Pid files of processes that are gone are removed.
   */
  static List<Leftover> leftovers(Path replicasDir) throws IOException {
    List<Leftover> found = new java.util.ArrayList<>();
    if (!Files.isDirectory(replicasDir)) {
      return found;
    }
    try (Stream<Path> dirs = Files.list(replicasDir)) {
      for (Path dir : dirs.toList()) {
        Path pidFile = dir.resolve("pid");
        if (!Files.exists(pidFile)) {
          continue;
        }
        String[] parts = Files.readString(pidFile).trim().split(" ");
        long pid = Long.parseLong(parts[0]);
        long started = parts.length > 1 ? Long.parseLong(parts[1]) : 0;
        int port = parts.length > 2 ? Integer.parseInt(parts[2]) : -1;
        ProcessHandle h = ProcessHandle.of(pid).orElse(null);
        if (h != null
            && h.isAlive()
            && h.info().startInstant().map(i -> i.toEpochMilli() == started).orElse(false)) {
          found.add(new Leftover(dir.getFileName().toString(), h, port));
        } else {
          Files.deleteIfExists(pidFile);
        }
      }
    }
    return found;
  }

  /** Kills a leftover the agent does not take back, and forgets it. */
  static void reap(Path replicasDir, Leftover l) {
    kill(l.handle());
    forgetPid(replicasDir.resolve(l.replicaId()));
  }

  /** Kills every leftover (what an agent that takes nothing back would do); returns how many. */
  static int reapLeftovers(Path replicasDir) throws IOException {
    List<Leftover> found = leftovers(replicasDir);
    found.forEach(l -> reap(replicasDir, l));
    return found.size();
  }
}
