package io.ctrlplane.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("A restarted agent stops what its killed predecessor left running, and only that")
class SpawnerTest {
  @Test
  @DisplayName(
      "a pid file naming a live process and its start time: the process is killed; a reused pid is spared")
  void reapsLeftovers(@TempDir Path dir) throws Exception {
    Process leftover = new ProcessBuilder("sleep", "60").start();
    Process stranger = new ProcessBuilder("sleep", "60").start();
    try {
      write(
          dir.resolve("rep_a"),
          leftover.pid() + " " + leftover.info().startInstant().orElseThrow().toEpochMilli());
      // same pid, another start time: the pid was reused by an unrelated process
      write(dir.resolve("rep_b"), stranger.pid() + " 1");
      assertThat(Spawner.reapLeftovers(dir)).isEqualTo(1);
      assertThat(leftover.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(stranger.isAlive()).isTrue();
      assertThat(dir.resolve("rep_a").resolve("pid")).doesNotExist();
    } finally {
      leftover.destroyForcibly();
      stranger.destroyForcibly();
    }
  }

  private static void write(Path replicaDir, String content) throws Exception {
    Files.createDirectories(replicaDir);
    Files.writeString(replicaDir.resolve("pid"), content);
  }
}
