package io.ctrlplane.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A freeze")
class FreezeTest {
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

  private static Freeze weekly(Set<DayOfWeek> days, String from, String to, ZoneId zone) {
    List<FieldError> errors = new ArrayList<>();
    Freeze.Weekly w =
        FreezeRules.weekly(
            days.stream().map(FreezeRules::wire).toList(), from, to, zone.getId(), errors);
    assertThat(errors).isEmpty();
    return new Freeze("frz_1", null, null, null, w, "test");
  }

  private static Instant at(String iso) {
    return Instant.parse(iso);
  }

  @Test
  @DisplayName("by range holds from its start (inclusive) to its end (exclusive)")
  void range() {
    Freeze f =
        new Freeze(
            "frz_r", "inst_1", at("2026-12-24T00:00:00Z"), at("2026-12-27T00:00:00Z"), null, "x");
    assertThat(f.activeUntil(at("2026-12-23T23:59:59Z"))).isEmpty();
    assertThat(f.activeUntil(at("2026-12-24T00:00:00Z"))).contains(at("2026-12-27T00:00:00Z"));
    assertThat(f.activeUntil(at("2026-12-26T23:59:59Z"))).contains(at("2026-12-27T00:00:00Z"));
    assertThat(f.activeUntil(at("2026-12-27T00:00:00Z"))).isEmpty();
  }

  @Test
  @DisplayName("weekly holds on its days between its local times, 'to' inclusive of its minute")
  void weeklyWindow() {
    Freeze f = weekly(Set.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY), "18:00", "23:59", BERLIN);
    // Saturday 2026-12-05, Berlin is UTC+1 in winter
    assertThat(f.activeUntil(at("2026-12-05T16:59:59Z"))).isEmpty();
    assertThat(f.activeUntil(at("2026-12-05T17:00:00Z"))).contains(at("2026-12-05T23:00:00Z"));
    assertThat(f.activeUntil(at("2026-12-05T22:59:30Z"))).contains(at("2026-12-05T23:00:00Z"));
    assertThat(f.activeUntil(at("2026-12-05T23:00:00Z"))).isEmpty(); // Sunday 00:00 Berlin
    // a Friday evening is not frozen
    assertThat(f.activeUntil(at("2026-12-04T18:00:00Z"))).isEmpty();
  }

  @Test
  @DisplayName("weekly window whose end is before its start runs past midnight")
  void pastMidnight() {
    Freeze f = weekly(Set.of(DayOfWeek.FRIDAY), "22:00", "05:59", ZoneId.of("UTC"));
    assertThat(f.activeUntil(at("2026-12-04T21:59:00Z"))).isEmpty();
    assertThat(f.activeUntil(at("2026-12-04T22:00:00Z"))).contains(at("2026-12-05T06:00:00Z"));
    assertThat(f.activeUntil(at("2026-12-05T03:00:00Z"))).contains(at("2026-12-05T06:00:00Z"));
    assertThat(f.activeUntil(at("2026-12-05T06:00:00Z"))).isEmpty();
  }

  @Test
  @DisplayName("across the spring DST change is an hour shorter in real time (Europe/Berlin)")
  void springForward() {
    // 2026-03-29: at 02:00 CET the clocks jump to 03:00 CEST
    Freeze f = weekly(Set.of(DayOfWeek.SUNDAY), "01:00", "04:59", BERLIN);
    Instant start = at("2026-03-29T00:00:00Z"); // 01:00 CET
    Instant end = at("2026-03-29T03:00:00Z"); // 05:00 CEST
    assertThat(f.activeUntil(start.minusSeconds(1))).isEmpty();
    assertThat(f.activeUntil(start)).contains(end);
    assertThat(f.activeUntil(end.minusSeconds(1))).contains(end);
    assertThat(f.activeUntil(end)).isEmpty();
    assertThat(Duration.between(start, end)).isEqualTo(Duration.ofHours(3));
  }

  @Test
  @DisplayName("starting in the hour the clock skips begins when the clock reaches it")
  void startInTheGap() {
    Freeze f = weekly(Set.of(DayOfWeek.SUNDAY), "02:30", "03:59", BERLIN);
    // 02:30 does not exist on 2026-03-29 in Berlin: java.time moves it to 03:30 CEST = 01:30Z
    assertThat(f.activeUntil(at("2026-03-29T01:29:59Z"))).isEmpty();
    assertThat(f.activeUntil(at("2026-03-29T01:30:00Z"))).contains(at("2026-03-29T02:00:00Z"));
    // on an ordinary Sunday it starts at 02:30 local
    assertThat(f.activeUntil(at("2026-03-22T01:30:00Z"))).contains(at("2026-03-22T03:00:00Z"));
  }

  @Test
  @DisplayName("across the autumn DST change is an hour longer in real time (Europe/Berlin)")
  void fallBack() {
    // 2026-10-25: at 03:00 CEST the clocks go back to 02:00 CET
    Freeze f = weekly(Set.of(DayOfWeek.SUNDAY), "00:00", "05:59", BERLIN);
    Instant start = at("2026-10-24T22:00:00Z"); // 00:00 CEST
    Instant end = at("2026-10-25T05:00:00Z"); // 06:00 CET
    assertThat(f.activeUntil(start.minusSeconds(1))).isEmpty();
    assertThat(f.activeUntil(start)).contains(end);
    // 02:30 local happens twice; both are inside
    assertThat(f.activeUntil(at("2026-10-25T00:30:00Z"))).contains(end);
    assertThat(f.activeUntil(at("2026-10-25T01:30:00Z"))).contains(end);
    assertThat(f.activeUntil(end)).isEmpty();
    assertThat(Duration.between(start, end)).isEqualTo(Duration.ofHours(7));
  }

  @Test
  @DisplayName("holding several names the one that ends last first")
  void holding() {
    Freeze shortOne =
        new Freeze(
            "frz_a", null, at("2026-12-01T00:00:00Z"), at("2026-12-02T00:00:00Z"), null, "a");
    Freeze longOne =
        new Freeze(
            "frz_b", null, at("2026-12-01T00:00:00Z"), at("2026-12-09T00:00:00Z"), null, "b");
    Freeze later =
        new Freeze(
            "frz_c", null, at("2026-12-10T00:00:00Z"), at("2026-12-11T00:00:00Z"), null, "c");
    List<Freeze.Active> active =
        Freeze.holding(List.of(shortOne, longOne, later), at("2026-12-01T12:00:00Z"));
    assertThat(active).extracting(a -> a.freeze().id()).containsExactly("frz_b", "frz_a");
  }

  @Test
  @DisplayName("rules name each bad field of a weekly window")
  void rules() {
    List<FieldError> errors = new ArrayList<>();
    assertThat(FreezeRules.weekly(List.of("sat", "funday"), "25:00", "9:00", "Mars/Base", errors))
        .isNull();
    assertThat(errors)
        .extracting(FieldError::field)
        .containsExactly("weekly.days[1]", "weekly.from", "weekly.to", "weekly.time_zone");
    errors.clear();
    FreezeRules.validateRange(
        at("2026-12-02T00:00:00Z"), at("2026-12-01T00:00:00Z"), at("2026-11-01T00:00:00Z"), errors);
    assertThat(errors).extracting(FieldError::field).containsExactly("ends_at");
  }
}
