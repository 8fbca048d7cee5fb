package io.ctrlplane.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Agent port reservation")
class PortsTest {
  /** A small range below the ephemeral ports, away from what other tests use. */
  private static final int FROM = 28_700;

  private static final int TO = 28_709;

  @Test
  @DisplayName(
      "two agents of one host never hand out the same port; a held port is not handed out again"
          + " until released; a port someone listens on is skipped")
  void exclusive(@TempDir Path locks) throws IOException {
    Ports a = new Ports(FROM, TO, locks);
    Ports b = new Ports(FROM, TO, locks);
    try (ServerSocket squatter = new ServerSocket()) {
      squatter.bind(new InetSocketAddress(FROM + 3));
      Set<Integer> handed = new HashSet<>();
      for (int i = 0; i < 4; i++) {
        assertThat(handed.add(a.reserve())).isTrue();
        assertThat(handed.add(b.reserve())).isTrue();
      }
      assertThat(handed).doesNotContain(FROM + 3).allMatch(p -> p >= FROM && p <= TO);
      int last = b.reserve(); // the 9th free port of 10 (one is taken by the squatter)
      assertThat(handed.add(last)).isTrue();
      assertThatThrownBy(a::reserve).hasMessageContaining("no free port left");
      a.release(handed.stream().filter(p -> p != last).findFirst().orElseThrow());
      assertThat(b.hold(last)).isTrue(); // its own
      assertThat(a.hold(last)).as("held by the other agent").isFalse();
    }
  }

  @Test
  @DisplayName("hands ports out round-robin: one just released is the last to come back")
  void roundRobin(@TempDir Path locks) throws IOException {
    Ports p = new Ports(FROM, TO, locks);
    int first = p.reserve();
    p.release(first);
    Set<Integer> next = new HashSet<>();
    for (int i = 0; i < 9; i++) {
      next.add(p.reserve());
    }
    assertThat(next).doesNotContain(first).hasSize(9);
    assertThat(p.reserve()).isEqualTo(first);
  }
}
