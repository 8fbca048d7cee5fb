package io.ctrlplane.deploy;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A freeze: while it holds, deploys, config releases and scale changes of its instance (or of every
 * instance of the tenant, when {@code instanceId} is null) are refused. Either a range {@code
 * [startsAt, endsAt)} or a {@link Weekly} window; rollbacks and cancels are never frozen.
 */
public record Freeze(
    String id, String instanceId, Instant startsAt, Instant endsAt, Weekly weekly, String reason) {

  public Freeze {
    if ((weekly == null) == (startsAt == null || endsAt == null)) {
      throw new IllegalArgumentException("a freeze is either a range or a weekly window");
    }
  }

  /** When the freeze holding at {@code now} ends; empty when it does not hold at {@code now}. */
  public Optional<Instant> activeUntil(Instant now) {
    if (weekly != null) {
      return weekly.activeUntil(now);
    }
    return !now.isBefore(startsAt) && now.isBefore(endsAt) ? Optional.of(endsAt) : Optional.empty();
  }

  /** The freezes among {@code freezes} holding at {@code now}, the one that ends last first. */
  public static List<Active> holding(List<Freeze> freezes, Instant now) {
    return freezes.stream()
        .flatMap(f -> f.activeUntil(now).map(end -> new Active(f, end)).stream())
        .sorted(Comparator.comparing(Active::until).reversed())
        .toList();
  }

  /** A freeze that holds, and until when. */
  public record Active(Freeze freeze, Instant until) {}

  /**
   * Every week on {@code days}, from {@code fromMinute} to the end of the minute {@code toMinute}
   * (minutes of the day, local time in {@code zone}); a window whose end is before its start runs
   * past midnight into the next day. Local times are turned into instants by {@code java.time}, so
   * a window across a DST change is as long as the wall clock says (an hour shorter or longer), and
   * a start in the hour a clock skips begins when the clock reaches it.
   */
  public record Weekly(Set<DayOfWeek> days, int fromMinute, int toMinute, ZoneId zone) {
    public Weekly {
      days = Set.copyOf(days);
      if (days.isEmpty()) {
        throw new IllegalArgumentException("a weekly window needs at least one day");
      }
      if (fromMinute < 0 || fromMinute >= 1440 || toMinute < 0 || toMinute >= 1440) {
        throw new IllegalArgumentException("minutes of the day are 0 to 1439");
      }
    }

    /** When the window holding at {@code now} ends; empty outside every window. */
    public Optional<Instant> activeUntil(Instant now) {
      LocalDate today = now.atZone(zone).toLocalDate();
      // a window that began yesterday may still run (past midnight, or a long DST night)
      for (LocalDate day : List.of(today.minusDays(1), today)) {
        if (!days.contains(day.getDayOfWeek())) {
          continue;
        }
        Instant start = at(day, fromMinute);
        Instant end = at(toMinute >= fromMinute ? day : day.plusDays(1), toMinute + 1);
        if (!now.isBefore(start) && now.isBefore(end)) {
          return Optional.of(end);
        }
      }
      return Optional.empty();
    }

    private Instant at(LocalDate day, int minute) {
      LocalDateTime local = day.atStartOfDay().plusMinutes(minute);
      return ZonedDateTime.of(local, zone).toInstant();
    }
  }
}
