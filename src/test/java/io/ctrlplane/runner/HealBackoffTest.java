package io.ctrlplane.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Heal backoff")
class HealBackoffTest {
  @Test
  @DisplayName("the first crash is replaced at once, then the delay doubles up to 5 minutes")
  void doubles() {
    assertThat(new HealBackoff(1).delay(10)).isEqualTo(Duration.ZERO);
    assertThat(new HealBackoff(2).delay(10)).isEqualTo(Duration.ofSeconds(10));
    assertThat(new HealBackoff(3).delay(10)).isEqualTo(Duration.ofSeconds(20));
    assertThat(new HealBackoff(4).delay(10)).isEqualTo(Duration.ofSeconds(40));
    assertThat(new HealBackoff(7).delay(10)).isEqualTo(Duration.ofSeconds(300));
    assertThat(new HealBackoff(60).delay(10)).isEqualTo(Duration.ofSeconds(300));
    assertThat(new HealBackoff(3).delay(1)).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  @DisplayName(
      "the count grows while crashes follow replacements, and restarts after a quiet spell")
  void counts() {
    assertThat(HealBackoff.next(0, null).crashes()).isEqualTo(1);
    assertThat(HealBackoff.next(2, Duration.ofSeconds(30)).crashes()).isEqualTo(3);
    assertThat(HealBackoff.next(5, Duration.ofMinutes(6)).crashes()).isEqualTo(1);
    assertThat(new HealBackoff(2).status()).isEqualTo("degraded");
    assertThat(new HealBackoff(3).status()).isEqualTo("crash_looping");
  }
}
