package io.ctrlplane.agent.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A router's table picks replicas by release weight")
class RouteTableTest {
  private final Endpoint v1a = new Endpoint("r1", "v1", "h", 1);
  private final Endpoint v1b = new Endpoint("r2", "v1", "h", 2);
  private final Endpoint v2 = new Endpoint("r3", "v2", "h", 3);

  private Map<String, Integer> draw(RouteTable t, int n) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < n; i++) {
      Endpoint e = t.pick(Set.of(), 0);
      counts.merge(e == null ? "none" : e.releaseId, 1, Integer::sum);
    }
    return counts;
  }

  @Test
  @DisplayName("weights split the traffic between releases (20 % within 2 points over 20000 draws)")
  void weighted() {
    Map<String, Integer> c =
        draw(new RouteTable(Map.of("v1", 80, "v2", 20), List.of(v1a, v1b, v2)), 20_000);
    assertThat(c.get("v2")).isBetween(3_600, 4_400);
  }

  @Test
  @DisplayName("without weights every ready replica serves; a release without weight gets nothing")
  void unweightedAndUnweighted() {
    assertThat(draw(new RouteTable(Map.of(), List.of(v1a, v2)), 1000)).containsKeys("v1", "v2");
    assertThat(draw(new RouteTable(Map.of("v1", 100), List.of(v1a, v2)), 1000))
        .containsOnlyKeys("v1");
  }

  @Test
  @DisplayName(
      "a weighted release with no ready replica leaves its share to the others; nothing weighted ready: no pick")
  void fallback() {
    assertThat(draw(new RouteTable(Map.of("v1", 50, "v3", 50), List.of(v1a)), 100))
        .containsOnlyKeys("v1");
    assertThat(new RouteTable(Map.of("v3", 100), List.of(v1a)).pick(Set.of(), 0)).isNull();
  }

  @Test
  @DisplayName("a replica already tried or marked down is avoided while another is usable")
  void avoidsTriedAndDown() {
    RouteTable t = new RouteTable(Map.of(), List.of(v1a, v1b));
    assertThat(t.pick(Set.of(v1a), 0)).isSameAs(v1b);
    v1b.markDown(0);
    assertThat(t.pick(Set.of(), 1)).isSameAs(v1a);
    assertThat(t.pick(Set.of(v1a), 1)).as("down, but the last one left").isSameAs(v1b);
    assertThat(t.pick(Set.of(v1a, v1b), 1)).isNull();
  }
}
