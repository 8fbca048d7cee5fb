package io.ctrlplane.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("A replica's output log stays within its cap and keeps the latest lines")
class BoundedLogTest {
  @Test
  @DisplayName(
      "100 KB of output into a 16 KB log: at most 16 KB on disk, and the tail is the last lines")
  void capped(@TempDir Path dir) throws Exception {
    BoundedLog log = new BoundedLog(dir, 16 * 1024);
    String text =
        IntStream.range(0, 10_000)
            .mapToObj(i -> "line " + i)
            .collect(Collectors.joining("\n", "", "\n"));
    log.pump(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    long onDisk = Files.size(dir.resolve("output.log")) + Files.size(dir.resolve("output.log.1"));
    assertThat(onDisk).isLessThanOrEqualTo(16 * 1024);
    assertThat(log.tail(3)).containsExactly("line 9997", "line 9998", "line 9999");
    log.note("SIGTERM");
    assertThat(log.tail(1)).containsExactly("[ctrlplane-agent] SIGTERM");
  }
}
